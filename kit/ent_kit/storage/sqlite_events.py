"""The SQLite event store: the `events` table, appends group-committed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import msgspec
from ent_contracts import Envelope

from ent_kit.storage.port import ConcurrencyConflict, StoredEvent
from ent_kit.storage.sqlite_transaction import run_whole
from ent_kit.storage.validation import DuplicateEventId, check_batch

if TYPE_CHECKING:
    from ent_kit.storage.sqlite import SqliteStorage

_encode = msgspec.json.Encoder().encode
_decode_envelope = msgspec.json.Decoder(Envelope).decode


@dataclass
class _Append:
    stream_id: str
    expected_version: int
    rows: list[tuple[str, int, str, bytes]]
    done: asyncio.Future[int]
    position: int = 0
    error: Exception | None = None


class SqliteEventStore:
    """Appends are group-committed: concurrent commands that queue up while a commit is
    under way share the next transaction, each in its own savepoint, so a conflict fails
    only its own command."""

    def __init__(self, db: SqliteStorage) -> None:
        self._db = db
        self._queue: list[_Append] = []
        self._flusher: asyncio.Task[None] | None = None

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[Envelope]
    ) -> int:
        rows = _event_rows(stream_id, expected_version, events)
        request = _Append(
            stream_id, expected_version, rows, asyncio.get_running_loop().create_future()
        )
        self._queue.append(request)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="sqlite-group-commit")
        return await request.done

    async def _flush(self) -> None:
        """Commit what has queued up, then what queued up meanwhile, until nothing waits."""
        while self._queue:
            group, self._queue = self._queue, []
            failure: BaseException | None = None
            try:
                await run_whole(self._db.writer, self._db.write_lock, partial(_commit, group=group))
            except BaseException as exc:  # settle every caller, cancelled or not
                failure = exc
            else:
                self._db.checkpointer.committed()
            _settle(group, failure)
            if isinstance(failure, asyncio.CancelledError):
                raise failure

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[Envelope]:
        rows = await self._db.read(
            "SELECT envelope FROM events WHERE stream_id = ? AND version > ? ORDER BY version",
            (stream_id, after_version),
        )
        return [_decode_envelope(row[0]) for row in rows]

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        rows = await self._db.read(
            "SELECT position, envelope FROM events WHERE position > ? ORDER BY position LIMIT ?",
            (after_position, limit),
        )
        return [StoredEvent(row[0], _decode_envelope(row[1])) for row in rows]

    async def last_position(self) -> int:
        rows = await self._db.read("SELECT COALESCE(MAX(position), 0) FROM events")
        return int(rows[0][0])


_INSERT_EVENT = "INSERT INTO events (stream_id, version, event_id, envelope) VALUES (?, ?, ?, ?)"
_MAX_VERSION = "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?"


def _event_rows(
    stream_id: str, expected_version: int, events: Sequence[Envelope]
) -> list[tuple[str, int, str, bytes]]:
    check_batch(stream_id, expected_version, events)
    return [(stream_id, e.aggregate_version, e.event_id, _encode(e)) for e in events]


def _commit(conn: sqlite3.Connection, *, group: list[_Append]) -> None:
    """In the writer thread: one transaction, one savepoint per append, on disk before it
    returns (synchronous = FULL): with NORMAL, WAL mode may lose the last commits at power
    failure, after the relay published them, and consumers would hold events the store no
    longer has. The WAL sync also carries the read-model commits made before it."""
    conn.execute("PRAGMA synchronous = FULL")
    try:
        _commit_group(conn, group)
    finally:
        conn.execute("PRAGMA synchronous = NORMAL")


def _commit_group(conn: sqlite3.Connection, group: list[_Append]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for request in group:
            conn.execute("SAVEPOINT append")
            try:
                request.position = _append_one(conn, request)
            except (ConcurrencyConflict, ValueError) as refused:
                conn.execute("ROLLBACK TO append")
                request.error = refused
            conn.execute("RELEASE append")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _append_one(conn: sqlite3.Connection, request: _Append) -> int:
    (actual,) = conn.execute(_MAX_VERSION, (request.stream_id,)).fetchone()
    if actual != request.expected_version:
        raise ConcurrencyConflict(request.stream_id, request.expected_version, actual)
    position = 0
    for row in request.rows:  # one by one: a failure names the offending event
        try:
            position = conn.execute(_INSERT_EVENT, row).lastrowid or 0
        except sqlite3.IntegrityError as exc:
            if "event_id" in str(exc):
                raise DuplicateEventId(row[2]) from exc
            raise ConcurrencyConflict(request.stream_id, request.expected_version, -1) from exc
    return position


def _settle(group: list[_Append], failure: BaseException | None) -> None:
    for request in group:
        if request.done.done():
            continue  # its caller was cancelled
        if failure is not None:
            request.done.set_exception(failure)
        elif request.error is not None:
            request.done.set_exception(request.error)
        else:
            request.done.set_result(request.position)
