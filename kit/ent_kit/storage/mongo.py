"""MongoDB adapter (production): events and read models in one database.

Uses PyMongo's native async API (Motor is end-of-life). Appends and document writes run
in multi-document transactions, so the server must be a replica set (a single node is
enough) or a mongos.

The parts, by job: `mongo_events` (the event store, positions in commit order),
`mongo_documents` (the document store), `mongo_query` (a document query as a MongoDB
filter and sort).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure

from ent_kit.storage.mongo_documents import MongoDocumentStore, MongoDocumentWriter
from ent_kit.storage.mongo_events import MongoEventStore
from ent_kit.storage.mongo_query import Raw

__all__ = [
    "MongoDocumentStore",
    "MongoDocumentWriter",
    "MongoEventStore",
    "MongoStorage",
    "client_options",
]

DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5000


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
