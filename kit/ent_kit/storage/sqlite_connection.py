"""A sqlite3 connection on its own thread, as the SQLite adapter uses them: one writer,
and `Readers` (read-only connections the reads are spread over)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
# From this many keys a read by key is cut into one share per idle reader, read at once:
# a reachability check reads 200-300 users, and read by one connection it took half the
# check's time while the other connection idled.
SPREAD_FROM = 128
Row = tuple[Any, ...]
# Pages beyond the connection's own cache are read through a memory map, not a read call
# each and a copy (measured: 240 documents by id from a store bigger than the cache, in the
# OS's cache, 0.83 -> 0.54 ms). SQLite caps it at 2 GB as built; a store beyond that is
# read the usual way past its first 2 GB. An I/O error under a map is a signal that ends
# the process instead of an error a request reports: for a store on a local disk, as
# these are, the same outcome as the disk failing under any other read.
MMAP_BYTES = 2**31


class Connection:
    """A sqlite3 connection owned by one thread. Callers hand it whole functions, so a
    multi-statement transaction costs one thread hop, not one per statement (aiosqlite
    offers no public way to do that). The single thread also serialises every write."""

    def __init__(self, path: Path, *, read_only: bool) -> None:
        self._path = path
        self._read_only = read_only
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"sqlite-{path.stem}")
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        self._conn = await self._in_thread(self._connect)

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, the sqlite3 module must not.
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        # NORMAL for read-model writes (lost at power failure, they are replayed from the
        # event log); event appends switch to FULL for their own commit (sqlite_events).
        # A cache of up to 64 MiB instead of SQLite's 2 MiB: a deposit to 1,000 dirties
        # pages all over the indexes by owner, and a smaller cache spills them to the
        # WAL before the commit (measured: a third of the projector's write time).
        pragmas = ("journal_mode = WAL", "synchronous = NORMAL", "busy_timeout = 10000")
        for pragma in (*pragmas, "cache_size = -65536", f"mmap_size = {MMAP_BYTES}"):
            conn.execute(f"PRAGMA {pragma}")
        if self._read_only:
            conn.execute("PRAGMA query_only = ON")
        return conn

    async def _in_thread(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._conn is None:
            raise ConnectionError(f"SQLite connection to {self._path.name} is closed")
        return await self._in_thread(lambda: work(self._opened()))

    def rows_written(self) -> int:
        """Rows inserted, changed or deleted through this connection since it opened (read
        from any thread: SQLite keeps it as a plain counter)."""
        return self._conn.total_changes if self._conn is not None else 0

    def _opened(self) -> sqlite3.Connection:
        # Read on the connection's thread: work queued before a `reopen` runs on the
        # connection of its turn.
        if self._conn is None:
            raise ConnectionError(f"SQLite connection to {self._path.name} is closed")
        return self._conn

    async def reopen(self) -> None:
        """A fresh connection in place of this one, after the work already queued: it
        loads the planner's statistics anew (a connection keeps those it loaded with the
        schema, whatever ANALYZE writes later)."""

        def swap() -> None:
            self._opened().close()
            self._conn = self._connect()

        await self._in_thread(swap)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self.run(lambda c: c.execute(sql, params).fetchall())

    async def change(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a write statement; how many rows it changed."""
        return await self.run(lambda c: c.execute(sql, params).rowcount)

    async def close(self) -> None:
        if self._conn is not None:
            await self.run(lambda c: c.close())
            self._conn = None
        self._executor.shutdown(wait=True)


class Readers:
    """Several read-only connections, each on its own thread, a read going to the one with
    the fewest under way. The sqlite3 module lets the GIL go while SQLite walks its
    B-trees, so one connection reads while another's rows are decoded and the event loop
    decides; with one, every read of every request waited its turn on a single thread. In
    WAL mode each read sees the last commit made before it began, whichever connection
    serves it."""

    def __init__(self, path: Path, count: int) -> None:
        if count < 1:
            raise ValueError("at least one reader")
        self._connections = [Connection(path, read_only=True) for _ in range(count)]
        self._under_way = [0] * count

    async def open(self) -> None:
        for connection in self._connections:
            await connection.open()

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        index = min(range(len(self._under_way)), key=self._under_way.__getitem__)
        self._under_way[index] += 1
        try:
            return await self._connections[index].run(work)
        finally:
            self._under_way[index] -= 1

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self.run(lambda c: c.execute(sql, params).fetchall())

    def shares(self, keys: Sequence[T]) -> list[Sequence[T]]:
        """`keys` cut into one share per idle connection, when there are enough to be worth
        two thread hops instead of one. With every connection busy (concurrent requests),
        sharing would add hops and win nothing. Each share is its own read: in WAL mode each
        sees the last commit made before it began, and a commit may fall between them."""
        count = self._under_way.count(0)
        if count < 2 or len(keys) < SPREAD_FROM:
            return [keys]
        size = -(-len(keys) // count)
        return [keys[start : start + size] for start in range(0, len(keys), size)]

    async def reopen(self) -> None:
        for connection in self._connections:
            await connection.reopen()

    async def close(self) -> None:
        for connection in self._connections:
            await connection.close()
