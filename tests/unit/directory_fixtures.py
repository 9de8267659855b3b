"""Shared fixtures and helpers for the directory's HTTP tests: the service in-process on a
SQLite store, and tokens as the gateway issues them.

Imported explicitly by the test modules (`from directory_fixtures import ...`), like
`kit_fixtures`: pytest finds imported fixtures in the importing module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from ent_directory.domain.demo_school import SCHOOL_ID as DEMO_SCHOOL_ID
from ent_directory.domain.demo_school import demo_users
from ent_directory.service import SERVICE
from ent_directory.settings import DirectorySettings
from ent_kit.auth import Identity
from ent_kit.http import create_app
from ent_kit.runtime import Runtime
from kit_fixtures import TEST_KEYS
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider

Client = AsyncTestClient[Any]


def directory_runtime(store: Path, *, demo_seed: bool = False) -> Runtime:
    """The directory service on the SQLite file `store`, without broker or blobs."""
    definition = dataclasses.replace(SERVICE, uses_broker=False, uses_blobs=False)
    settings = DirectorySettings(
        service_name="directory",
        **TEST_KEYS.settings("directory"),
        store_url=f"sqlite://{store}",
        demo_seed=demo_seed,
    )
    return Runtime(definition, settings, TracerProvider())


@asynccontextmanager
async def running_directory(store: Path, *, demo_seed: bool = False) -> AsyncIterator[Client]:
    async with AsyncTestClient(create_app(directory_runtime(store, demo_seed=demo_seed))) as c:
        yield c


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    """The directory on an empty store, for one test."""
    async with running_directory(tmp_path / "http.db") as test_client:
        yield test_client


def bearer(identity: Identity) -> dict[str, str]:
    # Module constants are made at import: the token must outlive the whole test run.
    return {"authorization": f"Bearer {TEST_KEYS.user_token(identity, timedelta(hours=6))}"}


def service_bearer(caller: str, callee: str, scope: str) -> dict[str, str]:
    """A service token as `caller` signs it, for `scope` on `callee`."""
    return {"authorization": f"Bearer {TEST_KEYS.service_token(caller, callee, scope)}"}


@dataclasses.dataclass
class SeededDirectory:
    """The directory on the demo school, with its runtime (store, signal) for the tests
    that look behind the API."""

    client: Client
    runtime: Runtime


@asynccontextmanager
async def seeded_directory(store: Path) -> AsyncIterator[SeededDirectory]:
    runtime = directory_runtime(store, demo_seed=True)
    async with AsyncTestClient(create_app(runtime)) as test_client:
        yield SeededDirectory(test_client, runtime)


DEMO_USERS = {u.login: u for u in demo_users()}


def as_demo_user(login: str, session_version: int = 0) -> dict[str, str]:
    """A demo account's bearer token, under the given session version."""
    user = DEMO_USERS[login]
    identity = Identity(
        user_id=user.user_id,
        profile=user.profile,
        school_id=DEMO_SCHOOL_ID,
        session_version=session_version,
    )
    return {"authorization": f"Bearer {TEST_KEYS.user_token(identity)}"}
