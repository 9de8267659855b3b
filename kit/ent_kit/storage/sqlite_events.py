"""The SQLite event store: the `events` table, appends group-committed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import deque
from collections.abc import Callable, Sequence
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
    under way share the next transaction, and a conflict fails only its own command.

    The writer's thread takes the next group as soon as a commit ends, without waiting for
    the event loop to come back (the loop is told each group's outcome as it commits): under
    load that wait was a third of each commit's cycle."""

    def __init__(self, db: SqliteStorage) -> None:
        self._db = db
        self._queue: deque[_Append] = deque()  # appended on the loop, taken on the thread
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
        """Until nothing waits: a step on the writer's thread committing group after group."""
        loop = asyncio.get_running_loop()
        while self._queue:
            work = partial(_commit_queued, self._queue, loop, self._settle)
            try:
                await run_whole(self._db.writer, self._db.write_lock, work)
            except BaseException as exc:  # e.g. the writer closed: settle every caller
                group = list(self._queue)
                self._queue.clear()
                _settle(group, exc)
                raise

    def _settle(self, group: list[_Append], failure: BaseException | None) -> None:
        if failure is None:
            self._db.committed()
        _settle(group, failure)

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


GROUPS_PER_STEP = 20
_INSERT_EVENT = "INSERT INTO events (stream_id, version, event_id, envelope) VALUES (?, ?, ?, ?)"
_MAX_VERSION = "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?"
_MAX_VERSIONS = (
    "SELECT stream_id, MAX(version) FROM events WHERE stream_id IN ({marks}) GROUP BY stream_id"
)


def _event_rows(
    stream_id: str, expected_version: int, events: Sequence[Envelope]
) -> list[tuple[str, int, str, bytes]]:
    check_batch(stream_id, expected_version, events)
    return [(stream_id, e.aggregate_version, e.event_id, _encode(e)) for e in events]


def _commit_queued(
    queue: deque[_Append],
    loop: asyncio.AbstractEventLoop,
    settle: Callable[[list[_Append], BaseException | None], None],
    conn: sqlite3.Connection,
) -> None:
    """In the writer thread: commit what queued up, then what queued up meanwhile, a bounded
    number of groups (then others' transactions get their turn); each group's outcome is
    handed to `settle` on the loop."""
    for _ in range(GROUPS_PER_STEP):
        group = [queue.popleft() for _ in range(len(queue))]
        if not group:
            return
        failure: BaseException | None = None
        try:
            _commit(conn, group=group)
        except BaseException as exc:
            failure = exc
        loop.call_soon_threadsafe(settle, group, failure)


def _commit(conn: sqlite3.Connection, *, group: list[_Append]) -> None:
    """In the writer thread: one transaction, on disk before it returns (synchronous =
    FULL): with NORMAL, WAL mode may lose the last commits at power failure, after the relay
    published them, and consumers would hold events the store no longer has. The WAL sync
    also carries the read-model commits made before it."""
    conn.execute("PRAGMA synchronous = FULL")
    try:
        if not _commit_at_once(conn, group):
            _commit_one_by_one(conn, group)
    finally:
        conn.execute("PRAGMA synchronous = NORMAL")


def _commit_at_once(conn: sqlite3.Connection, group: list[_Append]) -> bool:
    """The group's rows in one INSERT, each append's expected version checked against one
    read of its streams' versions: a handful of statements however big the group (each
    statement lets the event loop's thread take the GIL, and wants it back). False, with
    nothing written, when an insert fails (a duplicate event id): then one by one."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        versions = _stream_versions(conn, list({r.stream_id: None for r in group}))
        accepted: list[_Append] = []
        for request in group:
            actual = versions.get(request.stream_id, 0)
            if actual == request.expected_version:
                versions[request.stream_id] = actual + len(request.rows)
                accepted.append(request)
            else:
                expected = request.expected_version
                request.error = ConcurrencyConflict(request.stream_id, expected, actual)
        rows = [row for request in accepted for row in request.rows]
        conn.executemany(_INSERT_EVENT, rows)
        (position,) = conn.execute("SELECT last_insert_rowid()").fetchone()
        position -= len(rows)  # AUTOINCREMENT: one statement's rows take consecutive ids
        for request in accepted:
            position += len(request.rows)
            request.position = position
        conn.execute("COMMIT")
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK")
        for request in group:
            request.error = None
        return False
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return True


def _stream_versions(conn: sqlite3.Connection, stream_ids: list[str]) -> dict[str, int]:
    versions: dict[str, int] = {}
    for start in range(0, len(stream_ids), 500):  # under SQLite's bound-parameter limit
        chunk = stream_ids[start : start + 500]
        sql = _MAX_VERSIONS.format(marks=", ".join("?" * len(chunk)))
        versions.update(conn.execute(sql, chunk).fetchall())
    return versions


def _commit_one_by_one(conn: sqlite3.Connection, group: list[_Append]) -> None:
    """One savepoint per append: a failing one (its rows, not the others') is refused."""
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
