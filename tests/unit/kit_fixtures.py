"""Shared fixtures and helpers for the kit unit tests.

Imported explicitly by the test modules (`from kit_fixtures import ...`): tests/ has no
conftest.py of ours, and pytest finds imported fixtures in the importing module.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ent_contracts import Actor, DomainEvent, Envelope, payload_dict
from ent_contracts.directory import UserRegistered
from ent_kit.aggregate import Aggregate, new_event_id
from ent_kit.dev_keys import DevKeys
from ent_kit.runtime import Runtime, ServiceDefinition
from ent_kit.settings import ServiceSettings
from ent_kit.storage import DocumentWriter, Query, Storage, StoredEvent, open_storage
from litestar.types import ControllerRouterHandler
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

ALICE = Actor(kind="user", id="alice")

# One key set for the whole test run (tokens made at import must stay valid): give a
# service in-process `**TEST_KEYS.settings(name)`, sign with `TEST_KEYS.user_token(...)`
# and `TEST_KEYS.service_token(...)`.
TEST_KEYS = DevKeys.generate()


def http_runtime(
    tmp_path: Path,
    controllers: Sequence[ControllerRouterHandler],
    provider: TracerProvider | None = None,
) -> Runtime:
    """A service of these controllers alone, on a SQLite store; `/public…` needs no token."""
    definition = ServiceDefinition(
        name="t",
        controllers=controllers,
        uses_storage=True,
        uses_broker=False,
        uses_blobs=False,
        public_paths=["/public"],
    )
    settings = ServiceSettings(
        service_name="t",
        user_token_public_key=TEST_KEYS.user_token_public_key,
        store_url=f"sqlite://{tmp_path}/t.db",
    )
    return Runtime(definition, settings, provider or TracerProvider())


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite://{tmp_path}/store.db", service_name="t")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def storage_opener(tmp_path: Path) -> AsyncIterator[StorageOpener]:
    opener = StorageOpener(tmp_path / "shared.db")
    try:
        yield opener
    finally:
        await opener.close_all()


class StorageOpener:
    """Several storages on one SQLite file, as a restarted process would open it."""

    def __init__(self, path: Path) -> None:
        self.url = f"sqlite://{path}"
        self._opened: list[Storage] = []

    async def open(self) -> Storage:
        opened = await open_storage(self.url, service_name="t")
        self._opened.append(opened)
        return opened

    async def close(self, storage: Storage) -> None:
        self._opened.remove(storage)
        await storage.close()

    async def close_all(self) -> None:
        while self._opened:
            await self._opened.pop().close()


def user_registered(user_id: str, school_id: str = "school-1", **changes: object) -> UserRegistered:
    fields: dict[str, object] = {
        "user_id": user_id,
        "school_id": school_id,
        "login": f"login.{user_id}",
        "first_name": "Camille",
        "last_name": "Durand",
        "profile": "student",
    }
    fields.update(changes)
    return UserRegistered(**fields)  # type: ignore[arg-type]


def envelope(
    event: DomainEvent,
    aggregate_id: str,
    version: int,
    *,
    event_id: str | None = None,
    actor: Actor = ALICE,
) -> Envelope:
    return Envelope(
        event_id=event_id or new_event_id(),
        type=event.event_type,
        schema_version=event.schema_version,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        occurred_at=datetime.now(UTC),
        actor=actor,
        payload=payload_dict(event),
    )


def unknown_envelope(aggregate_id: str, version: int = 1) -> Envelope:
    """An event of a type this code does not know (a newer producer)."""
    return Envelope(
        event_id=new_event_id(),
        type="directory.FutureThing",
        schema_version=1,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        occurred_at=datetime.now(UTC),
        actor=ALICE,
        payload={"anything": True},
    )


async def append_users(storage: Storage, stream_id: str, count: int, after: int = 0) -> int:
    """Append `count` UserRegistered events to one stream; returns the last position."""
    envelopes = [
        envelope(user_registered(f"{stream_id}-u{after + i}"), stream_id, after + i)
        for i in range(1, count + 1)
    ]
    return await storage.events.append(stream_id, after, envelopes)


async def append_interleaved(storage: Storage, streams: Sequence[str], rounds: int) -> int:
    """`rounds` events on each stream, appended round-robin; returns the last position."""
    position = 0
    for version in range(1, rounds + 1):
        for stream in streams:
            position = await append_users(storage, stream, 1, after=version - 1)
    return position


class Person(Aggregate):
    """A tiny aggregate for tests: the users registered under one id, in order."""

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.logins: list[str] = []

    def register(self, login: str) -> None:
        if login in self.logins:
            raise ValueError("login taken")
        self.trigger(user_registered(self.id, login=login))

    def when(self, event: DomainEvent) -> None:
        assert isinstance(event, UserRegistered)
        self.logins.append(event.login)


class RecordingPublisher:
    """An EventPublisher that keeps what the 'broker' acknowledged."""

    def __init__(self) -> None:
        self.published: list[StoredEvent] = []
        self.calls = 0
        self.changed = asyncio.Event()

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        self.calls += 1
        self.published.extend(events)
        self.changed.set()

    @property
    def positions(self) -> list[int]:
        return [e.position for e in self.published]

    async def wait_for(self, predicate: object, timeout: float = 5.0) -> None:
        assert callable(predicate)

        async def until() -> None:
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(until(), timeout)


class SchoolRoster:
    """Read model: one document per user, plus a per-school counter (read-modify-write)."""

    name = "roster"
    collections = ("users", "schools")

    def __init__(self, fail_on_login: str | None = None) -> None:
        self.fail_on_login = fail_on_login
        self.seen: list[str] = []
        self.trace_ids: list[str] = []

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, UserRegistered)
        self.seen.append(envelope.event_id)
        self.trace_ids.append(format(trace.get_current_span().get_span_context().trace_id, "032x"))
        await tx.put("users", event.user_id, {"login": event.login, "school": event.school_id})
        if event.login == self.fail_on_login:
            raise RuntimeError("projection bug")
        counter = await tx.get("schools", event.school_id) or {"users": 0}
        await tx.put("schools", event.school_id, {"users": counter["users"] + 1})


async def all_docs(storage: Storage, collection: str) -> list[dict[str, object]]:
    page = await storage.documents.find(collection, Query(limit=1000))
    return page.items


async def school_count(storage: Storage, school_id: str = "school-1") -> int | None:
    doc = await storage.documents.get("schools", school_id)
    return None if doc is None else int(doc["users"])


def user_envelopes(stream: str, count: int, *, start: int = 1) -> list[Envelope]:
    return [
        envelope(user_registered(f"{stream}-u{v}"), stream, v) for v in range(start, start + count)
    ]
