"""On SQLite a page and the documents it names are read in one step of a reader's thread:
each step waits for that thread and then for the event loop (the list page of a Casier
paid that twice)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from ent_kit.storage import Lookup, Query
from ent_kit.storage.sqlite import SqliteStorage


class Name(msgspec.Struct):
    display_name: str


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    opened = await SqliteStorage.open(tmp_path / "store.db")
    async with opened.documents.transaction() as tx:
        await tx.put("people", "s1", {"display_name": "Camille Martin"})
        for n in range(3):
            await tx.put("entries", f"e{n}", {"owner_id": "t1", "sender_id": "s1"})
    yield opened
    await opened.close()


async def test_a_page_and_its_senders_take_one_step_of_the_reader(
    db: SqliteStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[Any] = []
    reading = db.reading

    async def counted(work: Any) -> Any:
        steps.append(work)
        return await reading(work)

    monkeypatch.setattr(db, "reading", counted)
    query = Query(where={"owner_id": "t1"}, limit=2)

    found, names = await db.documents.find_with(
        "entries", query, Lookup("people", "sender_id", Name)
    )

    assert len(found.items) == 2
    assert found.next_cursor is not None
    assert names == {"s1": Name("Camille Martin")}
    assert len(steps) == 1
