"""A SQLite write transaction takes as many hops to the writer's thread as it has work:
BEGIN rides with its first statement, COMMIT with its last writes; and whatever fails, it
leaves nothing half-written and the writer ready for the next one."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from ent_kit.storage import Query
from ent_kit.storage.sqlite import SqliteStorage
from ent_kit.storage.sqlite_connection import Connection


class CountedHops:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, writer: Connection) -> None:
        self.count = 0
        run = writer.run

        async def counted(work: Callable[[sqlite3.Connection], Any]) -> Any:
            self.count += 1
            return await run(work)

        monkeypatch.setattr(writer, "run", counted)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    opened = await SqliteStorage.open(tmp_path / "store.db")
    yield opened
    await opened.close()


async def test_a_read_then_writes_take_two_hops(
    db: SqliteStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops = CountedHops(monkeypatch, db.writer)
    async with db.documents.transaction() as tx:
        assert await tx.get("people", "p1") is None
        await tx.put("people", "p1", {"name": "Camille"})
        await tx.put("people", "p2", {"name": "Léa"})
    assert hops.count == 2  # BEGIN + the read; the writes + COMMIT
    assert await db.documents.get("people", "p2") == {"id": "p2", "name": "Léa"}


async def test_writes_only_take_one_hop_and_nothing_takes_none(
    db: SqliteStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops = CountedHops(monkeypatch, db.writer)
    async with db.documents.transaction() as tx:
        await tx.put("people", "p1", {"name": "Camille"})
    assert hops.count == 1
    async with db.documents.transaction():
        pass
    assert hops.count == 1
    assert await db.documents.get("people", "p1") == {"id": "p1", "name": "Camille"}


async def test_a_failing_body_rolls_back_what_it_read_and_wrote(db: SqliteStorage) -> None:
    async def failing_projection() -> None:
        async with db.documents.transaction() as tx:
            await tx.put("people", "p1", {"name": "Camille"})
            await tx.find("people", Query())  # the put reaches SQLite first
            raise RuntimeError("the projection failed")

    with pytest.raises(RuntimeError):
        await failing_projection()
    assert await db.documents.get("people", "p1") is None
    async with db.documents.transaction() as tx:  # the writer is free and out of it
        await tx.put("people", "p2", {"name": "Léa"})
    assert await db.documents.get("people", "p2") == {"id": "p2", "name": "Léa"}


async def test_a_body_failing_before_any_statement_needs_no_rollback(db: SqliteStorage) -> None:
    async def refused() -> None:
        async with db.documents.transaction():
            raise RuntimeError("refused before reading anything")

    with pytest.raises(RuntimeError):
        await refused()
    async with db.documents.transaction() as tx:
        await tx.put("people", "p1", {"name": "Camille"})
    assert await db.documents.get("people", "p1") == {"id": "p1", "name": "Camille"}


async def test_a_commit_whose_last_writes_fail_keeps_nothing(db: SqliteStorage) -> None:
    def failing(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO documents (collection, id, body) VALUES ('people', 'p2', '{}')")
        raise sqlite3.OperationalError("disk I/O error")

    async def transaction() -> None:
        async with db.writing() as tx:
            await tx.change(
                "INSERT INTO documents (collection, id, body) VALUES ('people', 'p1', '{}')"
            )
            tx.at_commit(failing)

    with pytest.raises(sqlite3.OperationalError):
        await transaction()
    assert await db.documents.get_many("people", ["p1", "p2"]) == {}
    async with db.documents.transaction() as writer:
        await writer.put("people", "p3", {"name": "Jade"})
    assert await db.documents.get("people", "p3") == {"id": "p3", "name": "Jade"}


def owner_is(owner: str) -> Callable[[dict[str, Any] | None], None]:
    def check(doc: dict[str, Any] | None) -> None:
        if doc is None or doc["owner"] != owner:
            raise PermissionError(owner)

    return check


async def test_checks_and_writes_take_one_hop_and_no_lock(
    db: SqliteStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.documents.transaction() as tx:
        await tx.put("leases", "l1", {"owner": "a"})
    locked: list[bool] = []  # at each hop: whether the write lock was taken
    run = db.writer.run

    async def seeing_the_lock(work: Callable[[sqlite3.Connection], Any]) -> Any:
        locked.append(db.write_lock.locked())
        return await run(work)

    monkeypatch.setattr(db.writer, "run", seeing_the_lock)

    async def work_as(owner: str, work_id: str) -> None:
        async with db.documents.transaction() as tx:
            await tx.expect("leases", "l1", owner_is(owner))
            await tx.put("work", work_id, {"by": owner})

    await work_as("a", "w1")
    with pytest.raises(PermissionError):
        await work_as("b", "w2")

    assert locked == [False, False]  # one hop each, neither under the lock
    assert await db.documents.existing("work", ["w1", "w2"]) == {"w1"}


async def test_a_one_step_transaction_never_runs_inside_one_of_several_steps(
    db: SqliteStorage,
) -> None:
    """It waits for the open transaction to end: that one's rollback takes nothing of it."""

    async def one_step() -> None:
        async with db.documents.transaction() as tx:
            await tx.put("work", "quick", {"n": 1})

    started: list[asyncio.Task[None]] = []

    async def several_steps() -> None:
        async with db.documents.transaction() as slow:
            assert await slow.get("work", "quick") is None  # the writer is now held
            await slow.put("work", "slow", {"n": 2})
            await slow.find("work", Query())  # its put reaches SQLite
            started.append(asyncio.create_task(one_step()))
            await asyncio.sleep(0.05)
            assert not started[0].done()
            raise RuntimeError("the slow one fails")

    with pytest.raises(RuntimeError, match="slow one"):
        await several_steps()
    await started[0]

    assert await db.documents.existing("work", ["quick", "slow"]) == {"quick"}
