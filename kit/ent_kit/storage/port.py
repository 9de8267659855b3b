"""Storage port: a service's event store and its read-model documents, in one database.

Both live in the same database so that a projection update, its checkpoint and the
"already handled" marker of an event commit in one write.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

import msgspec
from ent_contracts import Envelope

from ent_kit.storage.query import MAX_LIMIT, Lookup, Page, Query

Document = dict[str, Any]
T = TypeVar("T")
Check = Callable[[Document | None], None]
"""Looks at a document (None: absent) and raises to refuse it."""


class StoredEvent(msgspec.Struct, frozen=True):
    """An event with its position in the store's global, gap-free-in-commit-order log."""

    position: int
    envelope: Envelope


class ConcurrencyConflict(Exception):
    """Another writer appended to the stream first; reload and retry the command."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream_id}: expected version {expected}, found {actual}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class EventStore(Protocol):
    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[Envelope]
    ) -> int:
        """Append after `expected_version`, else ConcurrencyConflict. Returns last position."""
        ...

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[Envelope]: ...

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        """Events in global order, strictly after `after_position`."""
        ...

    async def last_position(self) -> int: ...


class DocumentReader(Protocol):
    async def get(self, collection: str, doc_id: str) -> Document | None: ...

    async def existing(self, collection: str, doc_ids: Sequence[str]) -> set[str]:
        """Which of these ids are present: one round trip for a whole batch."""
        ...

    async def get_many(self, collection: str, doc_ids: Sequence[str]) -> dict[str, Document]:
        """The documents present among these ids, by id: one round trip for a batch."""
        ...

    async def get_many_as(
        self, collection: str, doc_ids: Sequence[str], into: type[T]
    ) -> dict[str, T]:
        """As `get_many`, each document decoded straight into `into` (a msgspec Struct of
        the fields the caller reads; the others, the id included, are skipped): no dict in
        between, for the hot reads of thousands of documents."""
        ...

    async def find(self, collection: str, query: Query) -> Page: ...

    async def find_with(
        self, collection: str, query: Query, lookup: Lookup[T]
    ) -> tuple[Page, dict[str, T]]:
        """`find`, and what `lookup` names from the page's documents, by id (those absent
        left out): in one round trip where the store can (SQLite: one step of its reader,
        where two would wait twice for its thread)."""
        ...

    async def expect(self, collection: str, doc_id: str, check: Check) -> None:
        """`check` the document: on a plain reader now; in a transaction at the latest as
        it commits, on the document as the transaction sees it, its exception rolling the
        whole transaction back. A caller expects a document before writing it. SQLite runs
        the checks in the commit's own step, so a transaction of checks and writes takes
        one step; MongoDB reads at once."""
        ...


class DocumentWriter(DocumentReader, Protocol):
    async def put(self, collection: str, doc_id: str, doc: Document) -> None:
        """Insert or replace."""
        ...

    async def insert(self, collection: str, doc_id: str, doc: Document) -> bool:
        """Insert unless present; False when the id already exists (nothing written)."""
        ...

    async def delete(self, collection: str, doc_id: str) -> bool: ...

    async def delete_matching(self, collection: str, query: Query) -> int:
        """Delete the first `query.limit` documents `find` would return for `query`;
        returns how many. Callers clearing more loop until it returns 0."""
        ...


class DocumentStore(DocumentReader, Protocol):
    def transaction(self) -> AbstractAsyncContextManager[DocumentWriter]:
        """All writes inside commit together or not at all."""
        ...

    async def ensure_index(
        self, collection: str, fields: Sequence[str], *, sparse: bool = False
    ) -> None:
        """An index on `fields` (then the id). Sparse: only of the documents whose first
        field is set (not null), so writes of the others never touch it; a query with an
        equality or a range on that field can use it. It replaces an index of the same
        fields with the other sparseness."""
        ...

    async def drop_index(self, collection: str, fields: Sequence[str]) -> None:
        """Remove the index on `fields` (either sparseness); none there is not an error."""
        ...


class Storage(Protocol):
    @property
    def events(self) -> EventStore: ...

    @property
    def documents(self) -> DocumentStore: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


async def find_then_look_up(
    reader: DocumentReader, collection: str, query: Query, lookup: Lookup[T]
) -> tuple[Page, dict[str, T]]:
    """`find_with` in two reads, for the stores that gain nothing by one."""
    found = await reader.find(collection, query)
    ids = lookup.ids_in(found.items)
    looked_up = await reader.get_many_as(lookup.collection, ids, lookup.into) if ids else {}
    return found, looked_up


async def clear(store: DocumentStore, collection: str, query: Query | None = None) -> int:
    """Delete every document of `collection` (or those `query` matches), a bounded batch per
    transaction; returns how many."""
    batch = msgspec.structs.replace(query or Query(), limit=MAX_LIMIT, after=None)
    deleted = 0
    while True:
        async with store.transaction() as tx:
            count = await tx.delete_matching(collection, batch)
        deleted += count
        if count == 0:
            return deleted


async def find_all(
    reader: DocumentReader, collection: str, query: Query
) -> AsyncIterator[Document]:
    """Every document the query matches, read `query.limit` at a time: for jobs that must
    see them all (an import's sweep, a school's rules), never for an endpoint's page."""
    while True:
        page = await reader.find(collection, query)
        for doc in page.items:
            yield doc
        if page.next_cursor is None:
            return
        query = msgspec.structs.replace(query, after=page.next_cursor)


async def update_fields(
    writer: DocumentWriter, collection: str, doc_id: str, /, **changes: Any
) -> bool:
    """The stored document with `changes` over its fields, in the writer's transaction;
    False, and nothing written, when there is no such document (a projection does not
    bring back a row that an earlier event removed)."""
    doc = await writer.get(collection, doc_id)
    if doc is None:
        return False
    await writer.put(collection, doc_id, {**doc, **changes})
    return True
