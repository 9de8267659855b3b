"""The MongoDB document store: one collection per read-model collection."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import msgspec
from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from ent_kit.storage.mongo_query import Raw, field_path, find_filter, find_sort
from ent_kit.storage.port import Check, Document, find_then_look_up
from ent_kit.storage.query import Lookup, Page, Query, check_field, encode_cursor

_READ_MODEL_PREFIX = "rm_"
T = TypeVar("T")


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

    async def get_many_as(
        self, collection: str, doc_ids: Sequence[str], into: type[T]
    ) -> dict[str, T]:
        return await self._reader.get_many_as(collection, doc_ids, into)

    async def find(self, collection: str, query: Query) -> Page:
        return await self._reader.find(collection, query)

    async def find_with(
        self, collection: str, query: Query, lookup: Lookup[T]
    ) -> tuple[Page, dict[str, T]]:
        return await self._reader.find_with(collection, query, lookup)

    async def expect(self, collection: str, doc_id: str, check: Check) -> None:
        await self._reader.expect(collection, doc_id, check)

    async def ensure_index(
        self, collection: str, fields: Sequence[str], *, sparse: bool = False
    ) -> None:
        keys = [(field_path(check_field(name)), ASCENDING) for name in fields]
        plain = "_".join(f"{path}_{ASCENDING}" for path, _ in keys)
        name = f"{plain}__sparse" if sparse else plain
        # One index per field list: the variant of the other sparseness goes first.
        await self._drop_variants(collection, plain, keep=name)
        target = self._db[_READ_MODEL_PREFIX + collection]
        # An equality or a range on the first key implies it exists: such queries use it.
        only: dict[str, Any] = {keys[0][0]: {"$exists": True}}
        # Same keys, same name: creating it again is a no-op.
        if sparse:
            await target.create_index(keys, name=name, partialFilterExpression=only)
        else:
            await target.create_index(keys, name=name)

    async def drop_index(self, collection: str, fields: Sequence[str]) -> None:
        plain = "_".join(f"{field_path(check_field(name))}_{ASCENDING}" for name in fields)
        await self._drop_variants(collection, plain, keep="")

    async def _drop_variants(self, collection: str, plain: str, keep: str) -> None:
        target = self._db[_READ_MODEL_PREFIX + collection]
        for index in await (await target.list_indexes()).to_list():
            if index["name"] in (plain, f"{plain}__sparse") and index["name"] != keep:
                await target.drop_index(index["name"])


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

    async def get_many_as(
        self, collection: str, doc_ids: Sequence[str], into: type[T]
    ) -> dict[str, T]:
        cursor = self._collection(collection).find(
            {"_id": {"$in": list(doc_ids)}}, session=self._session
        )
        return {str(raw["_id"]): msgspec.convert(raw, into) for raw in await cursor.to_list()}

    async def find(self, collection: str, query: Query) -> Page:
        cursor = self._collection(collection).find(
            find_filter(query),
            sort=find_sort(query),
            limit=query.limit + 1,  # one more than asked: tells whether a next page exists
            session=self._session,
        )
        return _page(query, await cursor.to_list())

    async def find_with(
        self, collection: str, query: Query, lookup: Lookup[T]
    ) -> tuple[Page, dict[str, T]]:
        # Two round trips: a $lookup stage would rebuild `find` as an aggregation.
        return await find_then_look_up(self, collection, query, lookup)

    async def expect(self, collection: str, doc_id: str, check: Check) -> None:
        # At once: a round trip to the server costs what a check at commit would.
        check(await self.get(collection, doc_id))

    async def delete_matching(self, collection: str, query: Query) -> int:
        cursor = self._collection(collection).find(
            find_filter(query),
            projection={"_id": 1},
            sort=find_sort(query),
            limit=query.limit,
            session=self._session,
        )
        doomed = [raw["_id"] for raw in await cursor.to_list()]
        if not doomed:
            return 0
        result = await self._collection(collection).delete_many(
            {"_id": {"$in": doomed}}, session=self._session
        )
        return result.deleted_count

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
