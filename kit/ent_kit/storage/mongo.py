"""MongoDB adapter (production): events and read models in one database.

Uses PyMongo's native async API (Motor is end-of-life). Appends and document writes run
in multi-document transactions, so the server must be a replica set (a single node is
enough) or a mongos.

Global positions come from one counter document that every append increments inside its
own transaction. Two overlapping appends both write that document, so MongoDB aborts one
with a WriteConflict (label TransientTransactionError) and `with_transaction` retries it
once the other has committed. Positions are thus handed out in commit order and become
visible in that order: a reader that sees position N+1 can already see N, which is what
lets projections resume from "the last position I handled".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import msgspec
from ent_contracts import Envelope
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, ConnectionFailure, DuplicateKeyError

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

Raw = dict[str, Any]

DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5000
_COUNTER_ID = "events"
_STREAM_VERSION_INDEX = "stream_version_unique"
_EVENT_ID_INDEX = "event_id_unique"
_READ_MODEL_PREFIX = "rm_"


class MongoStorage:
    def __init__(self, client: AsyncMongoClient[Raw], db: AsyncDatabase[Raw]) -> None:
        self._client = client
        self._events = MongoEventStore(client, db)
        self._documents = MongoDocumentStore(client, db)

    @classmethod
    async def open(cls, url: str, *, default_database: str) -> MongoStorage:
        """Connect to `url`; the database is the URL's path, else `default_database`."""
        client: AsyncMongoClient[Raw] = AsyncMongoClient(url, **client_options(url))
        try:
            await _check_server(client, url)
            storage = cls(client, client.get_default_database(default_database))
            await storage._events.prepare()
        except BaseException:
            await client.close()
            raise
        return storage

    @property
    def events(self) -> MongoEventStore:
        return self._events

    @property
    def documents(self) -> MongoDocumentStore:
        return self._documents

    async def ping(self) -> None:
        await self._client.admin.command("ping")

    async def close(self) -> None:
        await self._client.close()


def client_options(url: str) -> dict[str, Any]:
    """Keyword options for the client. Keywords override the URL's own options, so only
    what the URL leaves out is set: fail within seconds, not PyMongo's 30 s, when the
    server is unreachable (a service's readiness must not hang)."""
    query = urlsplit(url).query.replace(";", "&")  # MongoDB URLs may separate with ";"
    given = {key.lower() for key, _ in parse_qsl(query)}
    if "serverselectiontimeoutms" in given:
        return {}
    return {"serverSelectionTimeoutMS": DEFAULT_SERVER_SELECTION_TIMEOUT_MS}


async def _check_server(client: AsyncMongoClient[Raw], url: str) -> None:
    hosts = urlsplit(url).netloc.rpartition("@")[2]  # never echo credentials
    try:
        hello = await client.admin.command("hello")
    except ConnectionFailure as exc:
        timeout = client.options.server_selection_timeout
        raise ConnectionError(f"cannot reach MongoDB at {hosts} within {timeout} s: {exc}") from exc
    # Fail at start-up rather than on the first write: transactions need one of these.
    if "setName" not in hello and hello.get("msg") != "isdbgrid":
        raise RuntimeError(
            f"MongoDB at {hosts} is a standalone server; transactions need a replica set"
            " (a single-node one will do) or a mongos"
        )


# --- events -------------------------------------------------------------------------------


class MongoEventStore:
    """`events`: {_id: position, stream_id, version, event_id, envelope}."""

    def __init__(self, client: AsyncMongoClient[Raw], db: AsyncDatabase[Raw]) -> None:
        self._client = client
        self._events = db["events"]
        self._counters = db["counters"]

    async def prepare(self) -> None:
        stream_version = [("stream_id", ASCENDING), ("version", ASCENDING)]
        await self._events.create_index(stream_version, unique=True, name=_STREAM_VERSION_INDEX)
        await self._events.create_index("event_id", unique=True, name=_EVENT_ID_INDEX)
        # Created here, outside any transaction, so that appends only ever $inc it: two
        # first appends upserting it at once would collide on its _id inside transactions.
        start = {"$setOnInsert": {"value": await self.last_position()}}
        await self._counters.update_one({"_id": _COUNTER_ID}, start, upsert=True)

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[Envelope]
    ) -> int:
        check_batch(stream_id, expected_version, events)

        async def attempt(session: AsyncClientSession) -> int:
            return await self._append_in(session, stream_id, expected_version, events)

        # with_transaction re-runs `attempt` on TransientTransactionError (the counter's
        # write conflicts) and retries a commit whose outcome is unknown; ConcurrencyConflict
        # and other errors abort the transaction and propagate.
        async with self._client.start_session() as session:
            return await session.with_transaction(attempt)

    async def _append_in(
        self,
        session: AsyncClientSession,
        stream_id: str,
        expected_version: int,
        events: Sequence[Envelope],
    ) -> int:
        actual = await self._version(session, stream_id)
        if actual != expected_version:
            raise ConcurrencyConflict(stream_id, expected_version, actual)
        last = await self._reserve(session, len(events))
        first = last - len(events) + 1
        docs = [_event_doc(first + i, envelope) for i, envelope in enumerate(events)]
        try:
            await self._events.insert_many(docs, session=session)
        except (BulkWriteError, DuplicateKeyError) as exc:
            error = _append_error(exc, stream_id, expected_version, events)
            if error is None:
                raise  # unchanged, labels included: with_transaction decides on a retry
            raise error from exc
        return last

    async def _version(self, session: AsyncClientSession, stream_id: str) -> int:
        latest = await self._events.find_one(
            {"stream_id": stream_id},
            projection={"version": 1},
            sort=[("version", DESCENDING)],
            session=session,
        )
        return int(latest["version"]) if latest else 0

    async def _reserve(self, session: AsyncClientSession, count: int) -> int:
        """Take `count` positions; returns the last. The write that serializes appends."""
        counter = await self._counters.find_one_and_update(
            {"_id": _COUNTER_ID},
            {"$inc": {"value": count}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if counter is None:
            raise RuntimeError("the events counter is missing; reopen the storage to recreate it")
        return int(counter["value"])

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[Envelope]:
        cursor = self._events.find(
            {"stream_id": stream_id, "version": {"$gt": after_version}},
            sort=[("version", ASCENDING)],
        )
        return [_envelope(doc) for doc in await cursor.to_list()]

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        if limit < 1:  # PyMongo reads limit=0 as "no limit"
            return []
        cursor = self._events.find(
            {"_id": {"$gt": after_position}}, sort=[("_id", ASCENDING)], limit=limit
        )
        return [StoredEvent(int(doc["_id"]), _envelope(doc)) for doc in await cursor.to_list()]

    async def last_position(self) -> int:
        latest = await self._events.find_one({}, projection={"_id": 1}, sort=[("_id", DESCENDING)])
        return int(latest["_id"]) if latest else 0


def _event_doc(position: int, envelope: Envelope) -> Raw:
    return {
        "_id": position,
        "stream_id": envelope.aggregate_id,
        "version": envelope.aggregate_version,
        "event_id": envelope.event_id,
        # Builtins, not BSON dates: BSON would drop the UTC offset and the microseconds.
        "envelope": msgspec.to_builtins(envelope),
    }


def _envelope(doc: Raw) -> Envelope:
    return msgspec.convert(doc["envelope"], Envelope)


def _append_error(
    exc: BulkWriteError | DuplicateKeyError,
    stream_id: str,
    expected_version: int,
    events: Sequence[Envelope],
) -> Exception | None:
    """The port's error for a duplicate key met while inserting a batch, else None."""
    error = _write_error(exc)
    if isinstance(exc, BulkWriteError) and error.get("code") != 11000:
        return None
    # keyPattern/keyValue name the index's fields (MongoDB 4.4+); the message its name.
    key_value: Mapping[str, Any] = error.get("keyValue") or {}
    fields = {*(error.get("keyPattern") or {}), *key_value}
    message = str(error.get("errmsg") or exc)
    if "event_id" in fields or _EVENT_ID_INDEX in message:
        return DuplicateEventId(key_value.get("event_id") or ", ".join(e.event_id for e in events))
    if "version" in fields or _STREAM_VERSION_INDEX in message:
        # The version check ran in the same transaction, so this is a lost race whose
        # winner we cannot read from the aborted transaction: actual version unknown.
        return ConcurrencyConflict(stream_id, expected_version, -1)
    return None  # e.g. a duplicate _id: the counter is behind the events, not a caller error


def _write_error(exc: BulkWriteError | DuplicateKeyError) -> Mapping[str, Any]:
    details: Mapping[str, Any] = exc.details or {}
    if isinstance(exc, BulkWriteError):
        errors: list[Mapping[str, Any]] = details.get("writeErrors") or [{}]
        return errors[0]
    return details


# --- documents ----------------------------------------------------------------------------


class MongoDocumentStore:
    """One collection per read-model collection, `rm_<name>`; `_id` is the document id."""

    def __init__(self, client: AsyncMongoClient[Raw], db: AsyncDatabase[Raw]) -> None:
        self._client = client
        self._db = db
        self._reader = MongoDocumentWriter(db, None)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MongoDocumentWriter]:
        # The body cannot be re-run from here, so a transient error (two transactions
        # writing the same document) propagates; the caller retries, e.g. redelivery.
        async with (
            self._client.start_session() as session,
            await session.start_transaction(),  # commits, or aborts on an exception
        ):
            yield MongoDocumentWriter(self._db, session)

    async def get(self, collection: str, doc_id: str) -> Document | None:
        return await self._reader.get(collection, doc_id)

    async def existing(self, collection: str, doc_ids: Sequence[str]) -> set[str]:
        return await self._reader.existing(collection, doc_ids)

    async def get_many(self, collection: str, doc_ids: Sequence[str]) -> dict[str, Document]:
        return await self._reader.get_many(collection, doc_ids)

    async def find(self, collection: str, query: Query) -> Page:
        return await self._reader.find(collection, query)

    async def ensure_index(self, collection: str, fields: Sequence[str]) -> None:
        keys = [(_path(check_field(name)), ASCENDING) for name in fields]
        # Same keys, same generated name: creating it again is a no-op.
        await self._db[_READ_MODEL_PREFIX + collection].create_index(keys)


class MongoDocumentWriter:
    """Document access bound to a transaction's session (or to none, for plain reads)."""

    def __init__(self, db: AsyncDatabase[Raw], session: AsyncClientSession | None) -> None:
        self._db = db
        self._session = session

    def _collection(self, name: str) -> AsyncCollection[Raw]:
        return self._db[_READ_MODEL_PREFIX + name]

    async def get(self, collection: str, doc_id: str) -> Document | None:
        raw = await self._collection(collection).find_one({"_id": doc_id}, session=self._session)
        return _document(raw) if raw is not None else None

    async def existing(self, collection: str, doc_ids: Sequence[str]) -> set[str]:
        cursor = self._collection(collection).find(
            {"_id": {"$in": list(doc_ids)}}, projection={"_id": 1}, session=self._session
        )
        return {str(raw["_id"]) for raw in await cursor.to_list()}

    async def get_many(self, collection: str, doc_ids: Sequence[str]) -> dict[str, Document]:
        cursor = self._collection(collection).find(
            {"_id": {"$in": list(doc_ids)}}, session=self._session
        )
        documents = [_document(raw) for raw in await cursor.to_list()]
        return {str(doc["id"]): doc for doc in documents}

    async def find(self, collection: str, query: Query) -> Page:
        cursor = self._collection(collection).find(
            find_filter(query),
            sort=find_sort(query),
            limit=query.limit + 1,  # one more than asked: tells whether a next page exists
            session=self._session,
        )
        return _page(query, await cursor.to_list())

    async def put(self, collection: str, doc_id: str, doc: Document) -> None:
        body = {**_body(doc), "_id": doc_id}
        await self._collection(collection).replace_one(
            {"_id": doc_id}, body, upsert=True, session=self._session
        )

    async def insert(self, collection: str, doc_id: str, doc: Document) -> bool:
        # Not insert_one + DuplicateKeyError: a duplicate key aborts the whole transaction.
        # An upsert that only sets fields on insert writes nothing when the id exists.
        result = await self._collection(collection).update_one(
            {"_id": doc_id}, {"$setOnInsert": _body(doc)}, upsert=True, session=self._session
        )
        return result.upserted_id is not None

    async def delete(self, collection: str, doc_id: str) -> bool:
        result = await self._collection(collection).delete_one(
            {"_id": doc_id}, session=self._session
        )
        return result.deleted_count == 1


def _body(doc: Document) -> Raw:
    """Stored fields: JSON builtins like the SQLite adapter (datetimes as ISO strings), so
    that both compare and return the same values; the id lives in `_id` only."""
    fields = {key: value for key, value in doc.items() if key not in ("id", "_id")}
    body: Raw = msgspec.to_builtins(fields)
    return body


def _document(raw: Raw) -> Document:
    doc = {key: value for key, value in raw.items() if key != "_id"}
    doc["id"] = raw["_id"]
    return doc


def _page(query: Query, raws: list[Raw]) -> Page:
    items = [_document(raw) for raw in raws[: query.limit]]
    more = len(raws) > query.limit
    return Page(items, encode_cursor(query, items[-1]) if more else None)


# --- query translation (pure, so it is checked without a server) -------------------------


def _path(name: str) -> str:
    return "_id" if name == "id" else name


def find_filter(query: Query) -> Raw:
    # $eq rather than a bare value: a dict value must match as data, never as operators.
    clauses: list[Raw] = [
        {_path(name): {"$eq": as_stored(value)}} for name, value in query.where.items()
    ]
    for name, bounds in query.ranges.items():
        operators = {f"${op}": as_stored(value) for op, value in bounds.bounds()}
        if operators:
            clauses.append({_path(name): operators})
    cursor_values = decode_cursor(query)
    if cursor_values is not None:
        clauses.append(_after_cursor(query.sort_keys(), cursor_values))
    return {"$and": clauses} if clauses else {}


def find_sort(query: Query) -> list[tuple[str, int]]:
    return [(_path(n), ASCENDING if d == "asc" else DESCENDING) for n, d in query.sort_keys()]


def _after_cursor(keys: list[tuple[str, Direction]], values: list[Any]) -> Raw:
    """Keyset condition: documents strictly after the cursor in the query's sort order."""
    alternatives: list[Raw] = []
    for i, (name, direction) in enumerate(keys):
        beyond = _beyond(_path(name), direction, values[i])
        if beyond is None:
            continue
        same = [{_path(n): {"$eq": v}} for (n, _), v in zip(keys[:i], values[:i], strict=True)]
        alternatives.append({"$and": [*same, beyond]})
    # Only a forged cursor (null id, descending) leaves nothing after it.
    return {"$or": alternatives} if alternatives else {"_id": {"$in": []}}


def _beyond(path: str, direction: Direction, value: Any) -> Raw | None:
    """`path` strictly after `value`. Null (and missing) sorts lowest, as in MongoDB's
    sort, but range operators never match null: it needs its own clauses."""
    if direction == "asc":
        return {path: {"$ne": None}} if value is None else {path: {"$gt": value}}
    if value is None:
        return None  # nothing sorts after null when descending
    return {"$or": [{path: {"$lt": value}}, {path: {"$eq": None}}]}
