"""SQLite adapter (embedded default): one WAL file per service, events and documents together.

One writer connection guarded by an asyncio lock (SQLite has one writer anyway, and
`BEGIN IMMEDIATE` makes other processes on the same file wait instead of failing late);
a second connection serves reads so they never queue behind a write.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
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

_encode = msgspec.json.Encoder().encode
_decode_envelope = msgspec.json.Decoder(Envelope).decode
_decode_document = msgspec.json.Decoder(dict[str, Any]).decode


class SqliteStorage:
    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self.events = SqliteEventStore(self)
        self.documents = SqliteDocumentStore(self)

    @classmethod
    async def open(cls, path: Path) -> SqliteStorage:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        await writer.executescript(_SCHEMA)
        reader = await _connect(path)
        await reader.execute("PRAGMA query_only = ON")
        return cls(writer, reader)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def ping(self) -> None:
        await self.read("SELECT 1")

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, the sqlite3 module must not.
    conn = await aiosqlite.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "busy_timeout = 10000"):
        await conn.execute(f"PRAGMA {pragma}")
    return conn


class SqliteEventStore:
    def __init__(self, db: SqliteStorage) -> None:
        self._db = db

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[Envelope]
    ) -> int:
        rows = _event_rows(stream_id, expected_version, events)
        async with self._db.writing() as conn:
            async with conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?", (stream_id,)
            ) as cursor:
                (actual,) = await cursor.fetchone() or (0,)
            if actual != expected_version:
                raise ConcurrencyConflict(stream_id, expected_version, actual)
            for row in rows:  # one by one: a failure names the offending event
                try:
                    await conn.execute(_INSERT_EVENT, row)
                except sqlite3.IntegrityError as exc:
                    if "event_id" in str(exc):
                        raise DuplicateEventId(row[2]) from exc
                    raise ConcurrencyConflict(stream_id, expected_version, -1) from exc
            async with conn.execute("SELECT last_insert_rowid()") as cursor:
                (position,) = await cursor.fetchone() or (0,)
        return int(position)

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


def _event_rows(
    stream_id: str, expected_version: int, events: Sequence[Envelope]
) -> list[tuple[str, int, str, bytes]]:
    check_batch(stream_id, expected_version, events)
    return [(stream_id, e.aggregate_version, e.event_id, _encode(e)) for e in events]


class SqliteDocumentStore:
    def __init__(self, db: SqliteStorage) -> None:
        self._db = db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteDocumentWriter]:
        async with self._db.writing() as conn:
            yield SqliteDocumentWriter(conn)

    async def get(self, collection: str, doc_id: str) -> Document | None:
        rows = await self._db.read(_GET, (collection, doc_id))
        return _document(rows[0]) if rows else None

    async def find(self, collection: str, query: Query) -> Page:
        sql, params = _find_sql(collection, query)
        return _page(query, await self._db.read(sql, params))

    async def ensure_index(self, collection: str, fields: Sequence[str]) -> None:
        expressions = ", ".join(_field_sql(check_field(f)) for f in fields)
        name = "ix_" + "_".join([collection, *fields]).replace(".", "_")
        async with self._db.writing() as conn:
            await conn.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON documents (collection, {expressions})'
            )


class SqliteDocumentWriter:
    """Document access inside a write transaction (reads see the transaction's own writes)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, collection: str, doc_id: str) -> Document | None:
        async with self._conn.execute(_GET, (collection, doc_id)) as cursor:
            row = await cursor.fetchone()
        return _document(row) if row else None

    async def find(self, collection: str, query: Query) -> Page:
        sql, params = _find_sql(collection, query)
        async with self._conn.execute(sql, params) as cursor:
            rows = list(await cursor.fetchall())
        return _page(query, rows)

    async def put(self, collection: str, doc_id: str, doc: Document) -> None:
        await self._conn.execute(
            "INSERT OR REPLACE INTO documents (collection, id, body) VALUES (?, ?, ?)",
            (collection, doc_id, _body(doc)),
        )

    async def insert(self, collection: str, doc_id: str, doc: Document) -> bool:
        async with self._conn.execute(
            "INSERT OR IGNORE INTO documents (collection, id, body) VALUES (?, ?, ?)",
            (collection, doc_id, _body(doc)),
        ) as cursor:
            return cursor.rowcount == 1

    async def delete(self, collection: str, doc_id: str) -> bool:
        async with self._conn.execute(
            "DELETE FROM documents WHERE collection = ? AND id = ?", (collection, doc_id)
        ) as cursor:
            return cursor.rowcount == 1


_GET = "SELECT id, body FROM documents WHERE collection = ? AND id = ?"


def _body(doc: Document) -> str:
    body = {k: v for k, v in doc.items() if k != "id"}
    return _encode(body).decode()


def _document(row: sqlite3.Row | tuple[Any, ...]) -> Document:
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


def _page(query: Query, rows: list[sqlite3.Row]) -> Page:
    items = [_document(row) for row in rows[: query.limit]]
    more = len(rows) > query.limit
    return Page(items, encode_cursor(query, items[-1]) if more else None)
