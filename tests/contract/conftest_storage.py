"""Fixtures for the storage contract tests.

Imported explicitly by the test module (not a conftest.py, which other suites own).
Every test gets a fresh database: a new SQLite file, or a new MongoDB database that is
dropped afterwards. MongoDB runs only when ENT_TEST_MONGODB_URL points at a replica set
(transactions need one), e.g. `mongodb://localhost:27017/?replicaSet=rs0`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from ent_kit.storage.mongo import MongoStorage, client_options
from ent_kit.storage.port import Storage
from ent_kit.storage.sqlite import SqliteStorage
from pymongo import AsyncMongoClient

ADAPTERS = ["sqlite", "mongodb"]
MONGO_URL_ENV = "ENT_TEST_MONGODB_URL"


def with_database(url: str, database: str) -> str:
    """`url` naming `database` in its path, keeping the credentials' auth database."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    # The path database doubles as the default authSource: pin the original one.
    if "@" in parts.netloc and not any(k.lower() == "authsource" for k, _ in query):
        query.append(("authSource", parts.path.strip("/") or "admin"))
    return urlunsplit(parts._replace(path=f"/{database}", query=urlencode(query)))


def fresh_database_name() -> str:
    return f"ent_contract_{uuid.uuid4().hex[:16]}"


async def drop_database(url: str, database: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, **client_options(url))
    try:
        await client.drop_database(database)
    finally:
        await client.close()


class StorageOpener:
    """Opens any number of storages on one fresh database (as separate processes would)."""

    def __init__(self, adapter: str, tmp_path: Path) -> None:
        self.adapter = adapter
        self._path = tmp_path / "store.db"
        self._database = fresh_database_name()
        self._opened: list[Storage] = []

    async def open(self) -> Storage:
        storage: Storage
        if self.adapter == "sqlite":
            storage = await SqliteStorage.open(self._path)
        else:
            storage = await MongoStorage.open(self.mongo_url, default_database="unused")
        self._opened.append(storage)
        return storage

    async def dispose(self) -> None:
        for storage in self._opened:
            await storage.close()
        if self.adapter == "mongodb":
            await drop_database(self.mongo_url, self._database)

    @property
    def mongo_url(self) -> str:
        return with_database(os.environ[MONGO_URL_ENV], self._database)


@pytest.fixture(params=ADAPTERS)
async def storage_opener(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[StorageOpener]:
    if request.param == "mongodb" and not os.environ.get(MONGO_URL_ENV):
        pytest.skip(f"{MONGO_URL_ENV} not set")
    opener = StorageOpener(request.param, tmp_path)
    yield opener
    await opener.dispose()


@pytest.fixture
async def storage(storage_opener: StorageOpener) -> Storage:
    return await storage_opener.open()


@pytest.fixture
async def mongo_database() -> AsyncIterator[tuple[str, str]]:
    """(the server's URL naming no database, a fresh database name dropped afterwards)."""
    url = os.environ.get(MONGO_URL_ENV)
    if not url:
        pytest.skip(f"{MONGO_URL_ENV} not set")
    server, name = with_database(url, ""), fresh_database_name()
    yield server, name
    await drop_database(server, name)
