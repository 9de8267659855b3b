"""find_all: every matching document, page after page, in the query's order."""

from __future__ import annotations

from ent_kit.storage import Query, Storage, find_all
from kit_fixtures import storage

__all__ = ["storage"]


async def test_find_all_reads_every_page_in_order(storage: Storage) -> None:
    async with storage.documents.transaction() as tx:
        for i in range(25):
            await tx.put("rules", f"r{i:02}", {"school_id": "s1" if i % 5 else "s2", "rank": i})
    query = Query(where={"school_id": "s1"}, order_by=[("rank", "desc")], limit=7)

    found = [doc["rank"] async for doc in find_all(storage.documents, "rules", query)]

    assert found == [i for i in reversed(range(25)) if i % 5]


async def test_find_all_of_nothing_is_empty(storage: Storage) -> None:
    query = Query(where={"school_id": "nowhere"}, limit=3)
    assert [doc async for doc in find_all(storage.documents, "rules", query)] == []
