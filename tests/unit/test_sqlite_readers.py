"""The SQLite adapter's readers: a slow read does not hold up the others, and every read
sees the last commit, whichever connection serves it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ent_kit.storage.sqlite import SqliteStorage
from ent_kit.storage.sqlite_connection import Readers


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    opened = await SqliteStorage.open(tmp_path / "store.db", readers=2)
    yield opened
    await opened.close()


async def test_a_read_is_served_while_another_is_still_under_way(db: SqliteStorage) -> None:
    release = threading.Event()

    def slow(connection: sqlite3.Connection) -> int:
        release.wait(timeout=10)
        return int(connection.execute("SELECT 1").fetchone()[0])

    held = asyncio.ensure_future(db.reading(slow))
    await asyncio.sleep(0.05)  # the slow read has its connection

    # With one reader this read would queue behind the slow one, until its timeout.
    assert await asyncio.wait_for(db.read("SELECT 2"), timeout=2) == [(2,)]
    assert not held.done()
    release.set()
    assert await held == 1


async def test_every_read_sees_the_last_commit(db: SqliteStorage) -> None:
    for n in range(6):
        async with db.documents.transaction() as tx:
            await tx.put("notes", "n", {"n": n})
        seen = await asyncio.gather(*(db.documents.get("notes", "n") for _ in range(4)))
        assert seen == [{"id": "n", "n": n}] * 4


async def test_reads_go_to_the_connection_with_the_fewest_under_way(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "store.db").close()
    readers = Readers(tmp_path / "store.db", 2)
    await readers.open()
    release = threading.Event()
    threads: list[int] = []

    def on_thread(_: sqlite3.Connection) -> None:
        threads.append(threading.get_ident())
        release.wait(timeout=10)

    try:
        both = asyncio.gather(readers.run(on_thread), readers.run(on_thread))
        await asyncio.sleep(0.05)
        release.set()
        await both
    finally:
        await readers.close()
    assert len(set(threads)) == 2


def test_a_store_needs_a_reader(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one reader"):
        Readers(tmp_path / "store.db", 0)
