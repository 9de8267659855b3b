"""How the SQLite adapter spells a page's query (pure: SQL text and parameters)."""

from __future__ import annotations

import msgspec
from ent_kit.storage import Query
from ent_kit.storage.query import encode_cursor
from ent_kit.storage.sqlite_query import find_sql


def test_a_deep_page_reads_an_index_range_and_the_nulls_after_it() -> None:
    """Past a cursor, the first sort key gets a bound SQLite can seek with (a plain keyset
    OR walks the index from the top: 30 ms deep in 10,000 rows instead of 0.5); descending,
    the rows whose key is NULL sort last and come from a second statement."""
    first = Query(where={"user_id": "u1"}, order_by=[("sent_at", "desc")], limit=50)
    after = msgspec.structs.replace(
        first, after=encode_cursor(first, {"id": "m9", "sent_at": "2026-03-02T09:00:00Z"})
    )
    assert len(find_sql("copies", first)) == 1
    (page, page_params), (tail, _) = find_sql("copies", after)
    assert "json_extract(body, '$.sent_at') <= ?" in page
    assert "2026-03-02T09:00:00Z" in page_params
    assert "json_extract(body, '$.sent_at') IS NULL" in tail
    ascending = msgspec.structs.replace(after, order_by=[("sent_at", "asc")])
    [(only, _)] = find_sql("copies", ascending)
    assert "json_extract(body, '$.sent_at') >= ?" in only
