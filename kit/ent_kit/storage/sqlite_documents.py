"""The SQLite document store: read models in the `documents` table, one JSON body each."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from ent_kit.storage.port import Check, Document, find_then_look_up
from ent_kit.storage.query import Lookup, Page, Query, check_field
from ent_kit.storage.sqlite_connection import Row
from ent_kit.storage.sqlite_query import delete_sql, document, field_sql, find_sql, page
from ent_kit.storage.sqlite_transaction import Transaction, Work

if TYPE_CHECKING:
    from ent_kit.storage.sqlite import SqliteStorage

_encode = msgspec.json.Encoder().encode
T = TypeVar("T")
Statements = list[tuple[str, list[Any]]]


_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def _decoder(into: type[T]) -> msgspec.json.Decoder[T]:
    """One decoder per type, built once: building one compiles the type's decoding."""
    decoder = _decoders.get(into)
    if decoder is None:
        decoder = _decoders[into] = msgspec.json.Decoder(into)
    return decoder


class SqliteDocumentStore:
    def __init__(self, db: SqliteStorage) -> None:
        self._db = db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteDocumentWriter]:
        async with self._db.writing() as tx:
            writer = SqliteDocumentWriter(tx)
            yield writer
            tx.at_commit(writer.take_pending())

    async def get(self, collection: str, doc_id: str) -> Document | None:
        rows = await self._db.read(_GET, (collection, doc_id))
        return document(rows[0]) if rows else None

    async def existing(self, collection: str, doc_ids: Sequence[str]) -> set[str]:
        return await self._db.reading(partial(_existing, collection=collection, doc_ids=doc_ids))

    async def get_many(self, collection: str, doc_ids: Sequence[str]) -> dict[str, Document]:
        async def share(ids: Sequence[str]) -> dict[str, Document]:
            return await self._db.reading(partial(_get_many, collection=collection, doc_ids=ids))

        return await _by_shares(share, self._db.shares(doc_ids))

    async def get_many_as(
        self, collection: str, doc_ids: Sequence[str], into: type[T]
    ) -> dict[str, T]:
        async def share(ids: Sequence[str]) -> dict[str, T]:
            rows = await self._db.reading(partial(_bodies, collection=collection, doc_ids=ids))
            return _decoded(rows, into)  # one share decoded while the other is read

        return await _by_shares(share, self._db.shares(doc_ids))

    async def find(self, collection: str, query: Query) -> Page:
        statements = find_sql(collection, query)  # a foreign cursor raises here
        return await self._db.reading(partial(_page, query=query, statements=statements))

    async def find_with(
        self, collection: str, query: Query, lookup: Lookup[T]
    ) -> tuple[Page, dict[str, T]]:
        statements = find_sql(collection, query)
        found, rows = await self._db.reading(
            partial(_page_with, query=query, statements=statements, lookup=lookup)
        )
        return found, _decoded(rows, lookup.into)

    async def expect(self, collection: str, doc_id: str, check: Check) -> None:
        check(await self.get(collection, doc_id))

    async def ensure_index(
        self, collection: str, fields: Sequence[str], *, sparse: bool = False
    ) -> None:
        """A partial index over one collection's documents only (a write to one collection
        does not touch the others' indexes), ending with the id, the tie-breaker every query
        sorts by, so one index serves both the filter and the order. Sparse, also only of
        the documents whose first field is not NULL: `field = ?` or `field < ?` imply it
        whatever the bound value, so SQLite uses it for those queries."""
        check_field(collection)  # it is spelled into the SQL: a plain identifier only
        expressions = [field_sql(check_field(f)) for f in fields]
        base = "ix_" + "_".join([collection, *fields]).replace(".", "_")
        condition = f"collection = '{collection}'"
        name = f"{base}__p"
        if sparse:
            condition += f" AND {expressions[0]} IS NOT NULL"
            name = f"{base}__sparse"
        async with self._db.writing() as conn:
            # Earlier variants of the same fields (full-table, or the other sparseness):
            # one index per field list.
            await _drop_variants(conn, base, keep=name)
            await conn.change(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON documents ({", ".join(expressions)}, id)'
                f" WHERE {condition}"
            )
        await self._db.analyze()

    async def drop_index(self, collection: str, fields: Sequence[str]) -> None:
        check_field(collection)
        base = "ix_" + "_".join([collection, *map(check_field, fields)]).replace(".", "_")
        async with self._db.writing() as conn:
            await _drop_variants(conn, base, keep="")


class SqliteDocumentWriter:
    """Document access inside a write transaction.

    Writes and checks wait in memory and reach SQLite in one batch (before a `find`, and
    at commit), so a projection applying 500 events costs a few thread hops, not a
    thousand, and one that only checks and writes costs one. Reads see the transaction's
    own writes.
    """

    def __init__(self, conn: Transaction) -> None:
        self._conn = conn
        self._pending: dict[tuple[str, str], Document | None] = {}  # None: deleted
        self._checks: list[tuple[str, str, Check]] = []

    async def get(self, collection: str, doc_id: str) -> Document | None:
        key = (collection, doc_id)
        if key in self._pending:
            pending = self._pending[key]
            return None if pending is None else {**pending, "id": doc_id}
        rows = await self._conn.fetch(_GET, key)
        return document(rows[0]) if rows else None

    async def existing(self, collection: str, doc_ids: Sequence[str]) -> set[str]:
        unknown = [i for i in doc_ids if (collection, i) not in self._pending]
        found = (
            await self._conn.run(partial(_existing, collection=collection, doc_ids=unknown))
            if unknown
            else set()
        )
        pending = {i for i in doc_ids if self._pending.get((collection, i)) is not None}
        return found | pending

    async def get_many(self, collection: str, doc_ids: Sequence[str]) -> dict[str, Document]:
        unknown = [i for i in doc_ids if (collection, i) not in self._pending]
        found = (
            await self._conn.run(partial(_get_many, collection=collection, doc_ids=unknown))
            if unknown
            else {}
        )
        for doc_id in doc_ids:
            pending = self._pending.get((collection, doc_id))
            if pending is not None:
                found[doc_id] = {**pending, "id": doc_id}
        return found

    async def get_many_as(
        self, collection: str, doc_ids: Sequence[str], into: type[T]
    ) -> dict[str, T]:
        found = await self.get_many(collection, doc_ids)
        return {doc_id: msgspec.convert(doc, into) for doc_id, doc in found.items()}

    async def find(self, collection: str, query: Query) -> Page:
        await self.flush()
        statements = find_sql(collection, query)
        return await self._conn.run(partial(_page, query=query, statements=statements))

    async def find_with(
        self, collection: str, query: Query, lookup: Lookup[T]
    ) -> tuple[Page, dict[str, T]]:
        # The looked-up documents may be among this transaction's pending writes.
        return await find_then_look_up(self, collection, query, lookup)

    async def expect(self, collection: str, doc_id: str, check: Check) -> None:
        if (collection, doc_id) in self._pending:
            raise ValueError(f"{collection}/{doc_id}: expect a document before writing it")
        self._checks.append((collection, doc_id, check))

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

    async def delete_matching(self, collection: str, query: Query) -> int:
        await self.flush()
        sql, params = delete_sql(collection, query)
        return await self._conn.change(sql, params)

    async def flush(self) -> None:
        work = self.take_pending()
        if work is not None:
            await self._conn.run(work)

    def take_pending(self) -> Work | None:
        """The waiting checks, then writes, as one batch to run on the connection (None:
        none wait)."""
        if not self._pending and not self._checks:
            return None
        pending, self._pending = self._pending, {}
        checks, self._checks = self._checks, []
        upserts = [(c, i, _body(d)) for (c, i), d in pending.items() if d is not None]
        deletes = [(c, i) for (c, i), d in pending.items() if d is None]
        return partial(_write_batch, checks=checks, upserts=upserts, deletes=deletes)


def _write_batch(
    conn: sqlite3.Connection,
    *,
    checks: list[tuple[str, str, Check]],
    upserts: list[tuple[str, str, str]],
    deletes: list[tuple[str, str]],
) -> None:
    for collection, doc_id, check in checks:  # a check that raises: the caller rolls back
        row = conn.execute(_GET, (collection, doc_id)).fetchone()
        check(None if row is None else document(row))
    conn.executemany(
        "INSERT OR REPLACE INTO documents (collection, id, body) VALUES (?, ?, ?)", upserts
    )
    conn.executemany("DELETE FROM documents WHERE collection = ? AND id = ?", deletes)


def _by_ids(
    conn: sqlite3.Connection, columns: str, collection: str, doc_ids: Sequence[str]
) -> list[Row]:
    rows: list[Row] = []
    for start in range(0, len(doc_ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = list(doc_ids[start : start + 500])
        marks = ", ".join("?" * len(chunk))
        rows += conn.execute(
            f"SELECT {columns} FROM documents WHERE collection = ? AND id IN ({marks})",
            [collection, *chunk],
        ).fetchall()
    return rows


def _bodies(conn: sqlite3.Connection, *, collection: str, doc_ids: Sequence[str]) -> list[Row]:
    return _by_ids(conn, "id, body", collection, doc_ids)


async def _by_shares(
    read: Callable[[Sequence[str]], Awaitable[dict[str, T]]], shares: list[Sequence[str]]
) -> dict[str, T]:
    if len(shares) == 1:
        return await read(shares[0])
    found: dict[str, T] = {}
    for part in await asyncio.gather(*map(read, shares)):
        found |= part
    return found


def _decoded(rows: list[Row], into: type[T]) -> dict[str, T]:
    decode = _decoder(into).decode
    return {row[0]: decode(row[1]) for row in rows}


def _page(conn: sqlite3.Connection, *, query: Query, statements: Statements) -> Page:
    rows: list[Row] = []
    for sql, params in statements:
        rows += conn.execute(sql, params).fetchall()
        if len(rows) > query.limit:
            break
    return page(query, rows)


def _page_with(
    conn: sqlite3.Connection, *, query: Query, statements: Statements, lookup: Lookup[Any]
) -> tuple[Page, list[Row]]:
    found = _page(conn, query=query, statements=statements)
    return found, _bodies(conn, collection=lookup.collection, doc_ids=lookup.ids_in(found.items))


def _existing(conn: sqlite3.Connection, *, collection: str, doc_ids: Sequence[str]) -> set[str]:
    return {row[0] for row in _by_ids(conn, "id", collection, doc_ids)}


def _get_many(
    conn: sqlite3.Connection, *, collection: str, doc_ids: Sequence[str]
) -> dict[str, Document]:
    return {row[0]: document(row) for row in _bodies(conn, collection=collection, doc_ids=doc_ids)}


async def _drop_variants(conn: Transaction, base: str, keep: str) -> None:
    for (name,) in await conn.fetch(_VARIANTS, [base, f"{base}__*", keep]):
        await conn.change(f'DROP INDEX IF EXISTS "{name}"')


_VARIANTS = (
    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'documents'"
    " AND (name = ? OR name GLOB ?) AND name != ?"
)
_GET = "SELECT id, body FROM documents WHERE collection = ? AND id = ?"


def _builtins(doc: Document) -> Document:
    """A detached copy as stored (JSON builtins, no id): later changes by the caller to
    its own dict cannot leak into the transaction."""
    builtins: Document = msgspec.to_builtins({k: v for k, v in doc.items() if k != "id"})
    return builtins


def _body(doc: Document) -> str:
    return _encode(_builtins(doc)).decode()
