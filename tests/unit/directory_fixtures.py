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
from ent_directory.service import SERVICE
from ent_directory.settings import DirectorySettings
from ent_kit.auth import Identity
from ent_kit.http import create_app
from ent_kit.runtime import Runtime
from kit_fixtures import TEST_KEYS
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider

Client = AsyncTestClient[Any]


@asynccontextmanager
async def running_directory(store: Path, *, demo_seed: bool = False) -> AsyncIterator[Client]:
    """The directory service on the SQLite file `store`, without broker or blobs."""
    definition = dataclasses.replace(SERVICE, uses_broker=False, uses_blobs=False)
    settings = DirectorySettings(
        service_name="directory",
        **TEST_KEYS.settings("directory"),
        store_url=f"sqlite://{store}",
        demo_seed=demo_seed,
    )
    runtime = Runtime(definition, settings, TracerProvider())
    async with AsyncTestClient(create_app(runtime)) as test_client:
        yield test_client


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
