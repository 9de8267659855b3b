"""The MongoDB event store: `events`, positions from one counter document.

Global positions come from one counter document that every append increments inside its
own transaction. Two overlapping appends both write that document, so MongoDB aborts one
with a WriteConflict (label TransientTransactionError) and `with_transaction` retries it
once the other has committed. Positions are thus handed out in commit order and become
visible in that order: a reader that sees position N+1 can already see N, which is what
lets projections resume from "the last position I handled".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from ent_contracts import Envelope
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from ent_kit.storage.mongo_query import Raw
from ent_kit.storage.port import ConcurrencyConflict, StoredEvent
from ent_kit.storage.validation import DuplicateEventId, check_batch

_COUNTER_ID = "events"
_STREAM_VERSION_INDEX = "stream_version_unique"
_EVENT_ID_INDEX = "event_id_unique"


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
