"""`find_with`: a page and the documents its entries name, on every adapter (SQLite in
one step of its reader, MongoDB in two reads), inside a transaction too."""

from __future__ import annotations

import msgspec
import pytest
from conftest_storage import storage, storage_opener
from ent_kit.storage import Document, InvalidCursor, Lookup, Query, Storage

# Fixtures, imported so that pytest finds them in this module.
__all__ = ["storage", "storage_opener"]


class Name(msgspec.Struct):
    display_name: str


SENDERS = Lookup("people", "sender_id", Name)
BY_DATE = Query(where={"owner_id": "t1"}, order_by=[("at", "desc")], limit=2)


async def put(storage: Storage, collection: str, *docs: Document) -> None:
    async with storage.documents.transaction() as tx:
        for doc in docs:
            await tx.put(collection, doc["id"], doc)


async def a_locker(storage: Storage) -> None:
    await put(
        storage,
        "people",
        {"id": "s1", "display_name": "Camille Martin", "login": "camille.martin"},
        {"id": "s2", "display_name": "Hugo Petit"},
        {"id": "s3", "display_name": "Jade Durand"},
    )
    await put(
        storage,
        "entries",
        {"id": "e1", "owner_id": "t1", "at": "2026-01-04", "sender_id": "s1"},
        {"id": "e2", "owner_id": "t1", "at": "2026-01-03", "sender_id": "gone"},
        {"id": "e3", "owner_id": "t1", "at": "2026-01-02", "sender_id": "s2"},
        {"id": "e4", "owner_id": "t1", "at": "2026-01-01"},  # names no one
        {"id": "e5", "owner_id": "t2", "at": "2026-01-05", "sender_id": "s3"},
    )


async def test_a_page_comes_with_the_documents_it_names(storage: Storage) -> None:
    await a_locker(storage)
    docs = storage.documents

    first, names = await docs.find_with("entries", BY_DATE, SENDERS)

    assert first == await docs.find("entries", BY_DATE)
    assert [e["id"] for e in first.items] == ["e1", "e2"]
    assert names == {"s1": Name("Camille Martin")}  # "gone" is absent: left out
    after = msgspec.structs.replace(BY_DATE, after=first.next_cursor)
    second, names = await docs.find_with("entries", after, SENDERS)
    assert [e["id"] for e in second.items] == ["e3", "e4"]
    assert names == {"s2": Name("Hugo Petit")}  # this page's only, never s3 (t2's)


async def test_an_empty_page_looks_up_nothing(storage: Storage) -> None:
    await a_locker(storage)
    nobody = Query(where={"owner_id": "t9"})

    found, names = await storage.documents.find_with("entries", nobody, SENDERS)

    assert (found.items, found.next_cursor, names) == ([], None, {})


async def test_a_foreign_cursor_is_refused(storage: Storage) -> None:
    await a_locker(storage)
    forged = msgspec.structs.replace(BY_DATE, after="bm90IGEgY3Vyc29y")

    with pytest.raises(InvalidCursor):
        await storage.documents.find_with("entries", forged, SENDERS)


async def test_a_transaction_looks_up_its_own_writes(storage: Storage) -> None:
    await a_locker(storage)
    async with storage.documents.transaction() as tx:
        await tx.put("people", "gone", {"display_name": "Léa Martin"})
        await tx.delete("people", "s1")

        found, names = await tx.find_with("entries", BY_DATE, SENDERS)

    assert [e["id"] for e in found.items] == ["e1", "e2"]
    assert names == {"gone": Name("Léa Martin")}
