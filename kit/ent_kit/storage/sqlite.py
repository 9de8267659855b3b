"""SQLite adapter (embedded default): one WAL file per service, events and documents together.

One writer connection on its own thread, guarded by an asyncio lock (SQLite has one
writer anyway, and `BEGIN IMMEDIATE` makes other processes on the same file wait instead
of failing late); a second connection, on another thread, serves reads so they never
queue behind a write.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import msgspec
from ent_contracts import Envelope

from ent_kit.storage.port import ConcurrencyConflict, Document, StoredEvent
from ent_kit.storage.query import (
    Direction,
    Page,
    Query,
    as_stored,
    check_field,
    decode_cursor,
    encode_cursor,
)
from ent_kit.storage.validation import DuplicateEventId, check_batch

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

_encode = msgspec.json.Encoder().encode
_decode_envelope = msgspec.json.Decoder(Envelope).decode
_decode_document = msgspec.json.Decoder(dict[str, Any]).decode

T = TypeVar("T")
Row = tuple[Any, ...]


class _Connection:
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
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "busy_timeout = 10000"):
            conn.execute(f"PRAGMA {pragma}")
        if self._read_only:
            conn.execute("PRAGMA query_only = ON")
        return conn

    async def _in_thread(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        if conn is None:
            raise ConnectionError(f"SQLite connection to {self._path.name} is closed")
        return await self._in_thread(lambda: work(conn))

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


class SqliteStorage:
    def __init__(self, writer: _Connection, reader: _Connection) -> None:
        self.writer = writer
        self._reader = reader
        self.write_lock = asyncio.Lock()
        self.events = SqliteEventStore(self)
        self.documents = SqliteDocumentStore(self)

    @classmethod
    async def open(cls, path: Path) -> SqliteStorage:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = _Connection(path, read_only=False)
        await writer.open()
        await writer.run(lambda c: c.executescript(_SCHEMA))
        reader = _Connection(path, read_only=True)
        await reader.open()
        return cls(writer, reader)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[_Connection]:
        async with self.write_lock:
            await self.writer.change("BEGIN IMMEDIATE")
            try:
                yield self.writer
            except BaseException:
                # Shielded: a cancelled caller must still end its transaction.
                await asyncio.shield(self.writer.change("ROLLBACK"))
                raise
            await asyncio.shield(self.writer.change("COMMIT"))

    async def analyze(self) -> None:
        # Under the write lock: `executescript` would commit another caller's transaction.
        async with self.write_lock:
            await self.writer.run(lambda c: c.executescript(_ANALYZE))

    async def read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._reader.fetch(sql, params)

    async def ping(self) -> None:
        await self.read("SELECT 1")

    async def close(self) -> None:
        # Fresh planner statistics for the next start, whatever was written since.
        await self.analyze()
        await self._reader.close()
        await self.writer.close()


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
            async with self._db.write_lock:
                try:
                    await self._db.writer.run(partial(_commit, group=group))
                except BaseException as exc:  # settle every caller, cancelled or not
                    failure = exc
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
    """In the writer thread: one transaction, one savepoint per append."""
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


class SqliteDocumentStore:
    def __init__(self, db: SqliteStorage) -> None:
        self._db = db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteDocumentWriter]:
        async with self._db.writing() as conn:
            writer = SqliteDocumentWriter(conn)
            yield writer
            await writer.flush()

    async def get(self, collection: str, doc_id: str) -> Document | None:
        rows = await self._db.read(_GET, (collection, doc_id))
        return _document(rows[0]) if rows else None

    async def existing(self, collection: str, doc_ids: Sequence[str]) -> set[str]:
        return await _existing(self._db.read, collection, doc_ids)

    async def get_many(self, collection: str, doc_ids: Sequence[str]) -> dict[str, Document]:
        return await _get_many(self._db.read, collection, doc_ids)

    async def find(self, collection: str, query: Query) -> Page:
        sql, params = _find_sql(collection, query)
        return _page(query, await self._db.read(sql, params))

    async def ensure_index(self, collection: str, fields: Sequence[str]) -> None:
        """A partial index over one collection's documents only (a write to one collection
        does not touch the others' indexes), ending with the id, the tie-breaker every query
        sorts by, so one index serves both the filter and the order."""
        check_field(collection)  # it is spelled into the SQL: a plain identifier only
        expressions = ", ".join(_field_sql(check_field(f)) for f in fields)
        base = "ix_" + "_".join([collection, *fields]).replace(".", "_")
        async with self._db.writing() as conn:
            for earlier in (base, f"{base}__id"):  # full-table variants of earlier versions
                await conn.change(f'DROP INDEX IF EXISTS "{earlier}"')
            await conn.change(
                f'CREATE INDEX IF NOT EXISTS "{base}__p" ON documents ({expressions}, id)'
                f" WHERE collection = '{collection}'"
            )
        await self._db.analyze()


class SqliteDocumentWriter:
    """Document access inside a write transaction.

    Writes wait in memory and reach SQLite in one batch (before a `find`, and at commit),
    so a projection applying 500 events costs a few thread hops, not a thousand. Reads
    see the transaction's own writes.
    """

    def __init__(self, conn: _Connection) -> None:
        self._conn = conn
        self._pending: dict[tuple[str, str], Document | None] = {}  # None: deleted

    async def get(self, collection: str, doc_id: str) -> Document | None:
        key = (collection, doc_id)
        if key in self._pending:
            pending = self._pending[key]
            return None if pending is None else {**pending, "id": doc_id}
        rows = await self._conn.fetch(_GET, key)
        return _document(rows[0]) if rows else None

    async def existing(self, collection: str, doc_ids: Sequence[str]) -> set[str]:
        unknown = [i for i in doc_ids if (collection, i) not in self._pending]
        found = await _existing(self._conn.fetch, collection, unknown) if unknown else set()
        pending = {i for i in doc_ids if self._pending.get((collection, i)) is not None}
        return found | pending

    async def get_many(self, collection: str, doc_ids: Sequence[str]) -> dict[str, Document]:
        unknown = [i for i in doc_ids if (collection, i) not in self._pending]
        found = await _get_many(self._conn.fetch, collection, unknown) if unknown else {}
        for doc_id in doc_ids:
            pending = self._pending.get((collection, doc_id))
            if pending is not None:
                found[doc_id] = {**pending, "id": doc_id}
        return found

    async def find(self, collection: str, query: Query) -> Page:
        await self.flush()
        sql, params = _find_sql(collection, query)
        return _page(query, await self._conn.fetch(sql, params))

    async def put(self, collection: str, doc_id: str, doc: Document) -> None:
        self._pending[(collection, doc_id)] = _builtins(doc)

    async def insert(self, collection: str, doc_id: str, doc: Document) -> bool:
        if await self.get(collection, doc_id) is not None:
            return False
        await self.put(collection, doc_id, doc)
        return True

    async def delete(self, collection: str, doc_id: str) -> bool:
        existed = await self.get(collection, doc_id) is not None
        self._pending[(collection, doc_id)] = None
        return existed

    async def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        upserts = [(c, i, _body(d)) for (c, i), d in pending.items() if d is not None]
        deletes = [(c, i) for (c, i), d in pending.items() if d is None]
        await self._conn.run(partial(_write_batch, upserts=upserts, deletes=deletes))


def _write_batch(
    conn: sqlite3.Connection, *, upserts: list[tuple[str, str, str]], deletes: list[tuple[str, str]]
) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO documents (collection, id, body) VALUES (?, ?, ?)", upserts
    )
    conn.executemany("DELETE FROM documents WHERE collection = ? AND id = ?", deletes)


Fetch = Callable[[str, Sequence[Any]], Awaitable[list[Row]]]


async def _by_ids(fetch: Fetch, columns: str, collection: str, doc_ids: Sequence[str]) -> list[Row]:
    rows: list[Row] = []
    for start in range(0, len(doc_ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = list(doc_ids[start : start + 500])
        marks = ", ".join("?" * len(chunk))
        rows += await fetch(
            f"SELECT {columns} FROM documents WHERE collection = ? AND id IN ({marks})",
            [collection, *chunk],
        )
    return rows


async def _existing(fetch: Fetch, collection: str, doc_ids: Sequence[str]) -> set[str]:
    return {row[0] for row in await _by_ids(fetch, "id", collection, doc_ids)}


async def _get_many(fetch: Fetch, collection: str, doc_ids: Sequence[str]) -> dict[str, Document]:
    rows = await _by_ids(fetch, "id, body", collection, doc_ids)
    return {row[0]: _document(row) for row in rows}


_GET = "SELECT id, body FROM documents WHERE collection = ? AND id = ?"


def _builtins(doc: Document) -> Document:
    """A detached copy as stored (JSON builtins, no id): later changes by the caller to
    its own dict cannot leak into the transaction."""
    builtins: Document = msgspec.to_builtins({k: v for k, v in doc.items() if k != "id"})
    return builtins


def _body(doc: Document) -> str:
    return _encode(_builtins(doc)).decode()


def _document(row: Row) -> Document:
    doc = _decode_document(row[1])
    doc["id"] = row[0]
    return doc


def _field_sql(name: str) -> str:
    return "id" if name == "id" else f"json_extract(body, '$.{name}')"


_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _find_sql(collection: str, query: Query) -> tuple[str, list[Any]]:
    clauses, params = ["collection = ?"], [collection]
    for name, value in query.where.items():
        if value is None:
            clauses.append(f"{_field_sql(name)} IS NULL")
        else:
            clauses.append(f"{_field_sql(name)} = ?")
            params.append(as_stored(value))
    for name, bounds in query.ranges.items():
        for op, value in bounds.bounds():
            clauses.append(f"{_field_sql(name)} {_OPERATORS[op]} ?")
            params.append(as_stored(value))
    cursor_values = decode_cursor(query)
    if cursor_values is not None:
        clause, cursor_params = _after_cursor(query, cursor_values)
        clauses.append(clause)
        params.extend(cursor_params)
    order = ", ".join(f"{_field_sql(n)} {d.upper()}" for n, d in query.sort_keys())
    sql = (
        f"SELECT id, body FROM documents WHERE {' AND '.join(clauses)}"
        f" ORDER BY {order} LIMIT {query.limit + 1}"
    )
    return sql, params


def _after_cursor(query: Query, values: list[Any]) -> tuple[str, list[Any]]:
    """Keyset condition: rows strictly after the cursor in the query's sort order.

    NULL (a missing field) sorts first ascending and last descending, and `=`/`<`/`>`
    never hold for it: `IS` compares equal prefixes, `_beyond` handles NULL explicitly.
    """
    keys = query.sort_keys()
    alternatives, params = [], []
    for i, (name, direction) in enumerate(keys):
        beyond = _beyond(_field_sql(name), direction, values[i])
        if beyond is None:
            continue
        parts = [f"{_field_sql(n)} IS ?" for n, _ in keys[:i]]
        alternatives.append("(" + " AND ".join([*parts, beyond[0]]) + ")")
        params.extend([*values[:i], *beyond[1]])
    return "(" + (" OR ".join(alternatives) or "0") + ")", params


def _beyond(field: str, direction: Direction, value: Any) -> tuple[str, list[Any]] | None:
    if direction == "asc":
        return (f"{field} IS NOT NULL", []) if value is None else (f"{field} > ?", [value])
    if value is None:
        return None  # nothing sorts after NULL when descending
    return f"({field} < ? OR {field} IS NULL)", [value]


def _page(query: Query, rows: list[Row]) -> Page:
    items = [_document(row) for row in rows[: query.limit]]
    more = len(rows) > query.limit
    return Page(items, encode_cursor(query, items[-1]) if more else None)
