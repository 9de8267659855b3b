"""How the SQLite adapter spells a page's query (pure: SQL text and parameters)."""

from __future__ import annotations

import base64

import msgspec
import pytest
from ent_kit.storage import InvalidCursor, Query
from ent_kit.storage.query import decode_cursor, encode_cursor
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


def _cursor_of(values: object) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(values)).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [[{"a": 1}, "x"], [["a"], "x"], ["x", {"$gt": ""}]],
    ids=["object", "array", "operator"],
)
def test_a_cursor_holding_an_object_or_an_array_is_an_invalid_cursor(values: object) -> None:
    """A cursor's values are JSON scalars (what `encode_cursor` writes): anything else is
    a tampered cursor, answered 400 naming `cursor`, not a 500 further down."""
    query = Query(order_by=[("sent_at", "desc")], after=_cursor_of(values))
    with pytest.raises(InvalidCursor):
        decode_cursor(query)


def test_a_cursor_of_scalars_decodes() -> None:
    query = Query(order_by=[("n", "asc"), ("f", "asc"), ("b", "asc"), ("z", "asc")])
    values = ["x", 1, 2.5, True, None][: len(query.sort_keys())]
    after = msgspec.structs.replace(query, after=_cursor_of(values))
    assert decode_cursor(after) == values
