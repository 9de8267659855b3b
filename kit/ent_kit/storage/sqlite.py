"""SQLite adapter (embedded default): one WAL file per service, events and documents together.

One writer connection on its own thread, which runs one transaction at a time (SQLite has
one writer anyway, and `BEGIN IMMEDIATE` makes other processes on the same file wait
instead of failing late); an asyncio lock keeps the others out of a transaction of several
hops (`sqlite_transaction`); read-only connections, each on a thread of its own
(`Readers`), serve reads so they never queue behind a write.

The parts, by job: `sqlite_connection` (a connection on its thread), `sqlite_events` (the
event store and its group commit), `sqlite_documents` (the document store and the writer
of a transaction), `sqlite_query` (a document query as SQL).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from ent_kit.storage.sqlite_analysis import Reanalysis, rows_analysed
from ent_kit.storage.sqlite_checkpoint import Checkpointer
from ent_kit.storage.sqlite_connection import Connection, Readers, Row
from ent_kit.storage.sqlite_documents import SqliteDocumentStore, SqliteDocumentWriter
from ent_kit.storage.sqlite_events import SqliteEventStore
from ent_kit.storage.sqlite_transaction import Transaction

T = TypeVar("T")
K = TypeVar("K")

__all__ = ["SqliteDocumentStore", "SqliteDocumentWriter", "SqliteEventStore", "SqliteStorage"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    envelope TEXT NOT NULL,
    UNIQUE (stream_id, version)
);
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (collection, id)
) WITHOUT ROWID;
"""

# Without statistics SQLite serves `collection = ? AND <field> = ?` from the primary key,
# decoding every document of the collection (measured: 50 ms instead of 1 ms on 100k rules).
# A bounded ANALYZE samples each index and takes milliseconds even on a million documents.
_ANALYZE = "PRAGMA analysis_limit = 1000; ANALYZE;"

# Read-only connections per store (`Readers`): two cores' worth (measured on the directory's
# checks over HTTP, see the README's storage section).
READERS = 2


class SqliteStorage:
    def __init__(
        self,
        writer: Connection,
        readers: Readers,
        checkpointer: Checkpointer,
        rows_at_open: int = 0,  # as the last ANALYZE counted them
    ) -> None:
        self.writer = writer
        self._readers = readers
        self.checkpointer = checkpointer
        self.write_lock = asyncio.Lock()
        self.reanalysis = Reanalysis(self.analyze, writer.rows_written, rows_at_open)
        self.events = SqliteEventStore(self)
        self.documents = SqliteDocumentStore(self)

    @classmethod
    async def open(cls, path: Path, *, readers: int = READERS) -> SqliteStorage:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = Connection(path, read_only=False)
        await writer.open()
        await writer.run(lambda c: c.executescript(_SCHEMA))
        # Checkpoints run on the checkpointer's connection, not in the writer's commits.
        await writer.run(lambda c: c.execute("PRAGMA wal_autocheckpoint = 0"))
        pool = Readers(path, readers)
        await pool.open()
        checkpointer = Checkpointer(path)
        await checkpointer.open()
        return cls(writer, pool, checkpointer, await writer.run(rows_analysed))

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[Transaction]:
        tx = Transaction(self.writer, self.write_lock)
        try:
            yield tx
        except BaseException:
            # Shielded: a cancelled caller must still end its transaction.
            await asyncio.shield(tx.rollback())
            raise
        await asyncio.shield(tx.commit())
        self.committed()

    def committed(self) -> None:
        """After each commit: the WAL checkpoint and the planner statistics, when due."""
        self.checkpointer.committed()
        self.reanalysis.committed()

    async def analyze(self) -> None:
        # Under the write lock: `executescript` would commit another caller's transaction.
        async with self.write_lock:
            await self.writer.run(lambda c: c.executescript(_ANALYZE))
        # A reader plans with the statistics it loaded when it first saw the schema
        # (an index created meanwhile has none, and SQLite would not choose it).
        await self._readers.reopen()

    async def read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._readers.fetch(sql, params)

    async def reading(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` on a reader's connection: several statements in one step of its thread."""
        return await self._readers.run(work)

    def shares(self, keys: Sequence[K]) -> list[Sequence[K]]:
        """`keys` cut to be read at once by the readers (`Readers.shares`)."""
        return self._readers.shares(keys)

    async def ping(self) -> None:
        await self.read("SELECT 1")

    async def close(self) -> None:
        await self.reanalysis.close()
        # Fresh planner statistics for the next start, whatever was written since.
        async with self.write_lock:
            await self.writer.run(lambda c: c.executescript(_ANALYZE))
        await self._readers.close()
        await self.checkpointer.close()
        await self.writer.close()
