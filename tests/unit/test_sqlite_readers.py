"""The SQLite adapter's readers: a slow read does not hold up the others, every read sees
the last commit, whichever connection serves it, and a read of many keys is shared by the
readers at once."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import msgspec
import pytest
from ent_kit.storage.sqlite import SqliteStorage
from ent_kit.storage.sqlite_connection import SPREAD_FROM, Readers

T = TypeVar("T")


class Numbered(msgspec.Struct):
    n: int


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


async def test_many_keys_are_cut_into_one_share_per_idle_reader(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "store.db").close()
    keys = [f"k{i}" for i in range(SPREAD_FROM + 1)]
    two, one = Readers(tmp_path / "store.db", 2), Readers(tmp_path / "store.db", 1)
    await two.open()
    release = threading.Event()
    try:
        idle = two.shares(keys)
        busy = asyncio.ensure_future(two.run(lambda _: release.wait(timeout=10)))
        await asyncio.sleep(0.05)  # one reader busy: sharing would only add a hop
        one_idle = two.shares(keys)
        release.set()
        await busy
    finally:
        await two.close()

    assert len(idle) == 2
    assert [k for share in idle for k in share] == keys
    assert one_idle == [keys]
    assert two.shares(keys[: SPREAD_FROM - 1]) == [keys[: SPREAD_FROM - 1]]
    assert one.shares(keys) == [keys]


async def test_a_read_of_many_keys_is_shared_by_the_readers_at_once(
    db: SqliteStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [f"u{i}" for i in range(3 * SPREAD_FROM)]
    async with db.documents.transaction() as tx:
        for i, doc_id in enumerate(ids):
            await tx.put("users", doc_id, {"n": i})
    threads: list[set[int]] = []
    run = db._readers.run

    async def on_which_thread(work: Callable[[sqlite3.Connection], T]) -> T:
        def recorded(connection: sqlite3.Connection) -> T:
            threads[-1].add(threading.get_ident())
            return work(connection)

        return await run(recorded)

    monkeypatch.setattr(db._readers, "run", on_which_thread)
    wanted = [*ids, "absent", ids[0]]
    threads.append(set())
    as_docs = await db.documents.get_many("users", wanted)
    threads.append(set())
    as_structs = await db.documents.get_many_as("users", wanted, Numbered)
    threads.append(set())
    few = await db.documents.get_many_as("users", ids[:3], Numbered)

    assert as_docs == {doc_id: {"id": doc_id, "n": i} for i, doc_id in enumerate(ids)}
    assert as_structs == {doc_id: Numbered(i) for i, doc_id in enumerate(ids)}
    assert few == {doc_id: Numbered(i) for i, doc_id in enumerate(ids[:3])}
    assert [len(seen) for seen in threads] == [2, 2, 1]


async def test_reads_and_the_writer_map_the_store_into_memory(db: SqliteStorage) -> None:
    def mapped(connection: sqlite3.Connection) -> int:
        return int(connection.execute("PRAGMA mmap_size").fetchone()[0])

    # SQLite as built caps the map just under 2 GiB; 0 would mean a read call per page.
    assert await db.reading(mapped) >= 2**30
    assert await db.writer.run(mapped) >= 2**30
