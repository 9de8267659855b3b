"""Shared helpers for the locker's unit tests.

Imported explicitly by the test modules (`from locker_fixtures import ...`), like
`kit_fixtures`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from ent_contracts import DomainEvent
from ent_kit.aggregate import Aggregate
from ent_kit.http import create_app
from ent_kit.runtime import Runtime
from ent_locker.domain.model import Document, StoredFile
from ent_locker.domain.workspace import Workspace
from ent_locker.service import SERVICE
from ent_locker.settings import LockerSettings
from kit_fixtures import TEST_KEYS
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider

SHA = "ab" * 32


def stored_file(file_name: str = "devoir.pdf", size: int = 42, blob_key: str = "") -> StoredFile:
    """A PDF already in the blob store (its key derived from SHA unless given)."""
    return StoredFile(
        file_name=file_name,
        media_type="application/pdf",
        size=size,
        sha256=SHA,
        blob_key=blob_key or f"sha256/ab/{SHA}",
    )


class Recording(Aggregate):
    """Keeps every event it triggered, saved or not, to rebuild the state from them."""

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.history: list[DomainEvent] = []

    def trigger(self, event: DomainEvent) -> None:
        super().trigger(event)
        self.history.append(event)


class RecordedDocument(Recording, Document):
    pass


class RecordedWorkspace(Recording, Workspace):
    pass


@pytest.fixture
async def locker(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Any]]:
    """The locker in-process, without broker; no directory behind it (Mes documents needs
    none; deposits cannot be checked). Tokens: `directory_fixtures.bearer`."""
    settings = LockerSettings(
        service_name="locker",
        **TEST_KEYS.settings("locker"),
        store_url=f"sqlite://{tmp_path}/locker.db",
        blob_url=f"file://{tmp_path}/blobs",
        directory_url="http://127.0.0.1:9",
    )
    runtime = Runtime(dataclasses.replace(SERVICE, uses_broker=False), settings, TracerProvider())
    async with AsyncTestClient(create_app(runtime)) as client:
        yield client
