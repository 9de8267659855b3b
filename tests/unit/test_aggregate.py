"""Aggregate + Repository: envelopes, rebuild from events, optimistic concurrency."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from ent_contracts import SYSTEM, TraceContext
from ent_contracts.directory import UserRegistered
from ent_kit.aggregate import new_event_id
from ent_kit.repository import Repository, envelope_for
from ent_kit.signal import AppendSignal
from ent_kit.storage import ConcurrencyConflict, Storage
from kit_fixtures import ALICE, Person, storage, user_registered
from opentelemetry.sdk.trace import TracerProvider

__all__ = ["storage"]


def repository(storage: Storage, signal: AppendSignal | None = None) -> Repository[Person]:
    return Repository(storage.events, Person, signal or AppendSignal())


async def saved_person(storage: Storage, *logins: str) -> Person:
    person = Person("p1")
    for login in logins:
        person.register(login)
    await repository(storage).save(person, ALICE)
    return person


async def test_save_then_get_rebuilds_state_from_events(storage: Storage) -> None:
    person = Person("p1")
    person.register("camille")
    person.register("camille.d")
    assert person.version == 0
    assert len(person.pending()) == 2

    position = await repository(storage).save(person, ALICE)

    assert position == 2
    assert person.version == 2
    assert person.pending() == []
    loaded = await repository(storage).get("p1")
    assert loaded is not None
    assert loaded.logins == ["camille", "camille.d"]
    assert loaded.version == 2
    assert loaded.pending() == []


async def test_get_unknown_aggregate_is_none(storage: Storage) -> None:
    assert await repository(storage).get("nobody") is None


async def test_envelopes_carry_ids_versions_time_actor_and_payload(storage: Storage) -> None:
    before = datetime.now(UTC)
    await saved_person(storage, "a", "b", "c")
    after = datetime.now(UTC)

    envelopes = await storage.events.read_stream("p1")

    assert [e.aggregate_version for e in envelopes] == [1, 2, 3]
    ids = [uuid.UUID(e.event_id) for e in envelopes]
    assert {i.version for i in ids} == {7}
    assert len(set(ids)) == 3
    assert ids == sorted(ids)  # uuid7: time-ordered
    for e in envelopes:
        assert e.aggregate_id == "p1"
        assert e.type == "directory.UserRegistered"
        assert e.schema_version == 1
        assert e.actor == ALICE
        assert e.occurred_at.utcoffset() == timedelta(0)
        assert before <= e.occurred_at <= after
    assert [e.payload["login"] for e in envelopes] == ["a", "b", "c"]


async def test_second_save_continues_versions(storage: Storage) -> None:
    repo = repository(storage)
    person = Person("p1")
    person.register("a")
    await repo.save(person, ALICE)
    person.register("b")
    person.register("c")

    position = await repo.save(person, SYSTEM)

    assert position == 3
    assert person.version == 3
    envelopes = await storage.events.read_stream("p1")
    assert [(e.aggregate_version, e.actor) for e in envelopes] == [
        (1, ALICE),
        (2, SYSTEM),
        (3, SYSTEM),
    ]


async def test_save_without_pending_events_appends_nothing(storage: Storage) -> None:
    signal = AppendSignal()
    ticket = signal.ticket()
    assert await repository(storage, signal).save(Person("p1"), ALICE) == 0
    assert await storage.events.last_position() == 0
    assert not ticket.is_set()


async def test_save_notifies_followers(storage: Storage) -> None:
    signal = AppendSignal()
    ticket = signal.ticket()
    person = Person("p1")
    person.register("a")
    await repository(storage, signal).save(person, ALICE)
    assert ticket.is_set()


async def test_two_writers_second_save_gets_concurrency_conflict(storage: Storage) -> None:
    await saved_person(storage, "a")
    first = await repository(storage).get("p1")
    second = await repository(storage).get("p1")
    assert first is not None
    assert second is not None
    first.register("from-first")
    second.register("from-second")

    await repository(storage).save(first, ALICE)
    with pytest.raises(ConcurrencyConflict) as conflict:
        await repository(storage).save(second, ALICE)

    assert conflict.value.stream_id == "p1"
    assert conflict.value.expected == 1
    assert conflict.value.actual == 2
    assert second.version == 1  # not marked saved
    assert len(second.pending()) == 1
    stored = await storage.events.read_stream("p1")
    assert [e.payload["login"] for e in stored] == ["a", "from-first"]

    # Reload and retry succeeds.
    retried = await repository(storage).get("p1")
    assert retried is not None
    retried.register("from-second")
    await repository(storage).save(retried, ALICE)
    assert (await repository(storage).get("p1")).logins == [  # type: ignore[union-attr]
        "a",
        "from-first",
        "from-second",
    ]


async def test_two_new_aggregates_with_same_id_one_wins(storage: Storage) -> None:
    one, two = Person("p1"), Person("p1")
    one.register("one")
    two.register("two")

    results = await asyncio.gather(
        repository(storage).save(one, ALICE),
        repository(storage).save(two, ALICE),
        return_exceptions=True,
    )

    assert sum(isinstance(r, ConcurrencyConflict) for r in results) == 1
    assert sum(isinstance(r, int) for r in results) == 1
    assert len(await storage.events.read_stream("p1")) == 1


async def test_envelope_carries_current_trace_context(storage: Storage) -> None:
    provider = TracerProvider()
    try:
        with provider.get_tracer("test").start_as_current_span("command") as span:
            await saved_person(storage, "a")
            context = span.get_span_context()
    finally:
        provider.shutdown()

    (stored,) = await storage.events.read_stream("p1")
    trace_hex, span_hex = format(context.trace_id, "032x"), format(context.span_id, "016x")
    version, trace_id, span_id, flags = stored.trace.traceparent.split("-")
    assert (version, trace_id, span_id) == ("00", trace_hex, span_hex)
    assert int(flags, 16) & 0x01  # sampled


async def test_envelope_outside_any_span_has_empty_trace(storage: Storage) -> None:
    await saved_person(storage, "a")
    (stored,) = await storage.events.read_stream("p1")
    assert stored.trace == TraceContext()


def test_envelope_for_uses_given_time_and_event_identity() -> None:
    at = datetime(2025, 9, 1, 8, 30, tzinfo=UTC)
    event = user_registered("u1")

    built = envelope_for(event, "u1", 4, ALICE, at=at)

    assert built.occurred_at == at
    assert built.aggregate_version == 4
    assert built.type == UserRegistered.event_type
    assert built.payload["user_id"] == "u1"
    assert built.event_id != envelope_for(event, "u1", 4, ALICE, at=at).event_id


def test_new_event_ids_are_uuid7_and_increasing() -> None:
    ids = [new_event_id() for _ in range(50)]
    assert all(uuid.UUID(i).version == 7 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == 50


def test_trigger_folds_event_before_save() -> None:
    person = Person("p1")
    person.register("a")
    with pytest.raises(ValueError, match="login taken"):
        person.register("a")
    assert person.logins == ["a"]
    assert len(person.pending()) == 1
    person.pending().clear()  # a copy: the aggregate keeps its pending events
    assert len(person.pending()) == 1
