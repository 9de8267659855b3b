"""One write transaction on the writer connection, in as few thread hops as it has work.

`BEGIN IMMEDIATE` runs in the hop of the transaction's first statement, and `COMMIT` in the
hop of its last writes. A transaction of several hops holds the storage's write lock from
the first to the last, and each hop waits for the event loop to come back to it: under
load that wait is most of the writer's time (measured: a projector's batch held the writer
7.3 ms for five hops, the writer busy 97 % of the time).

A transaction whose only hop is its commit (writes and checks, no read in between) takes
no lock: `run_whole` hands it straight to the writer's thread, which runs such
transactions back to back in the order they came, without waiting for the loop between
them. It waits for the lock only while a transaction of several hops is open, so that it
never runs inside one.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from ent_kit.storage.sqlite_connection import Connection, Row

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]


async def run_whole(
    conn: Connection, lock: asyncio.Lock, work: Callable[[sqlite3.Connection], T]
) -> T:
    """Run `work`, a whole transaction from BEGIN to COMMIT, on the writer's thread."""
    if not lock.locked():
        return await conn.run(work)
    async with lock:
        return await conn.run(work)


class Transaction:
    """The writer connection's `run`/`fetch`/`change` inside a transaction; `commit` (or
    `rollback`) ends it and frees the lock if a hop took it."""

    def __init__(self, conn: Connection, lock: asyncio.Lock) -> None:
        self._conn = conn
        self._lock = lock
        self._held = False  # the lock is ours: a hop before the commit's began
        self._last: Work | None = None

    def at_commit(self, work: Work | None) -> None:
        """Work to run in the commit's own hop, just before COMMIT (the writes still
        waiting when the transaction's body ends)."""
        self._last = work

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._held:
            return await self._conn.run(work)
        await self._lock.acquire()
        self._held = True
        return await self._conn.run(partial(_begin_then, work))

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self.run(lambda c: c.execute(sql, params).fetchall())

    async def change(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self.run(lambda c: c.execute(sql, params).rowcount)

    async def commit(self) -> None:
        """The work left for the commit, then COMMIT, in one hop; on failure everything
        rolls back and the error is raised."""
        last, self._last = self._last, None
        if not self._held:
            if last is not None:  # else nothing was read or written: nothing to end
                await run_whole(self._conn, self._lock, partial(_finish, last, begin=True))
            return
        try:
            await self._conn.run(partial(_finish, last, begin=False))
        finally:
            self._release()

    async def rollback(self) -> None:
        if not self._held:
            return
        try:
            await self._conn.run(_rollback)
        finally:
            self._release()

    def _release(self) -> None:
        self._held = False
        self._lock.release()


def _begin_then(work: Callable[[sqlite3.Connection], T], conn: sqlite3.Connection) -> T:
    conn.execute("BEGIN IMMEDIATE")
    return work(conn)


def _finish(last: Work | None, conn: sqlite3.Connection, *, begin: bool) -> None:
    if begin:
        conn.execute("BEGIN IMMEDIATE")
    try:
        if last is not None:
            last(conn)
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    # A BEGIN that failed (the database busy past the timeout) left no transaction open.
    if conn.in_transaction:
        conn.execute("ROLLBACK")
