"""LocalProjector and KafkaProjection: read models updated exactly once in effect."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from ent_contracts import DomainEvent, Envelope, TraceContext
from ent_contracts.directory import UserRegistered
from ent_kit.outbox import CHECKPOINTS, read_checkpoint
from ent_kit.projections import PROCESSED, KafkaProjection, LocalProjector
from ent_kit.signal import AppendSignal
from ent_kit.storage import DocumentWriter, Query, Storage
from kit_fixtures import (
    StorageOpener,
    append_users,
    envelope,
    storage,
    storage_opener,
    unknown_envelope,
    user_registered,
)
from opentelemetry import trace

__all__ = ["storage", "storage_opener"]

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


class SchoolRoster:
    """Read model: one document per user, plus a per-school counter (read-modify-write)."""

    name = "roster"

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


# --- LocalProjector ---------------------------------------------------------------------


async def test_local_drain_applies_events_and_checkpoints(storage: Storage) -> None:
    last = await append_users(storage, "a", 5)
    roster = SchoolRoster()
    projector = LocalProjector(storage, roster, AppendSignal(), batch_size=2)

    await projector.drain()

    assert await school_count(storage) == 5
    assert len(await all_docs(storage, "users")) == 5
    assert await read_checkpoint(storage, "projection:roster") == last
    await asyncio.wait_for(projector.caught_up(last), 0.5)


async def test_local_failure_writes_nothing_of_the_batch(storage: Storage) -> None:
    await append_users(storage, "a", 4)
    failing = SchoolRoster(fail_on_login="login.a-u3")
    projector = LocalProjector(storage, failing, AppendSignal(), batch_size=10)

    with pytest.raises(RuntimeError, match="projection bug"):
        await projector.drain()

    assert await all_docs(storage, "users") == []
    assert await school_count(storage) is None
    assert await storage.documents.get(CHECKPOINTS, "projection:roster") is None


async def test_local_run_resumes_from_checkpoint_after_restart(
    storage_opener: StorageOpener,
) -> None:
    first = await storage_opener.open()
    position = await append_users(first, "a", 3)
    signal = AppendSignal()
    projector = LocalProjector(first, SchoolRoster(), signal, poll_interval=0.05)
    task = asyncio.create_task(projector.run())
    await projector.caught_up(position, timeout=2.0)
    await projector.stop()
    await asyncio.wait_for(task, 1.0)
    await storage_opener.close(first)

    second = await storage_opener.open()
    position = await append_users(second, "a", 2, after=3)
    roster = SchoolRoster()
    restarted = LocalProjector(second, roster, AppendSignal(), poll_interval=0.05)
    task = asyncio.create_task(restarted.run())
    try:
        await restarted.caught_up(position, timeout=2.0)
    finally:
        await restarted.stop()
        await asyncio.wait_for(task, 1.0)

    assert len(roster.seen) == 2  # only the events appended after the checkpoint
    assert await school_count(second) == 5  # the counter was not incremented twice


async def test_local_caught_up_waits_for_signalled_appends(storage: Storage) -> None:
    signal = AppendSignal()
    projector = LocalProjector(storage, SchoolRoster(), signal, poll_interval=30.0)
    task = asyncio.create_task(projector.run())
    try:
        await asyncio.sleep(0.05)
        position = await append_users(storage, "a", 2)
        signal.notify()
        await projector.caught_up(position, timeout=2.0)
        assert await school_count(storage) == 2
    finally:
        await projector.stop()
        await asyncio.wait_for(task, 1.0)


async def test_local_caught_up_times_out_when_position_not_reached(storage: Storage) -> None:
    position = await append_users(storage, "a", 1)
    projector = LocalProjector(storage, SchoolRoster(), AppendSignal())
    await projector.drain()
    await projector.caught_up(position, timeout=0.1)

    with pytest.raises(TimeoutError):
        await projector.caught_up(position + 1, timeout=0.05)


async def test_local_run_retries_a_failing_projection(storage: Storage) -> None:
    position = await append_users(storage, "a", 3)
    roster = SchoolRoster(fail_on_login="login.a-u2")
    projector = LocalProjector(storage, roster, AppendSignal(), poll_interval=0.01)
    task = asyncio.create_task(projector.run())
    try:
        await asyncio.sleep(0.05)
        assert await school_count(storage) is None  # failing, nothing committed
        roster.fail_on_login = None  # fixed (as after a deploy)
        await projector.caught_up(position, timeout=2.0)
    finally:
        await projector.stop()
        await asyncio.wait_for(task, 1.0)
    assert await school_count(storage) == 3


async def test_local_skips_unknown_event_types(storage: Storage) -> None:
    await append_users(storage, "a", 1)
    position = await storage.events.append("b", 0, [unknown_envelope("b")])
    await append_users(storage, "c", 1)
    roster = SchoolRoster()
    projector = LocalProjector(storage, roster, AppendSignal())

    await projector.drain()

    assert len(roster.seen) == 2
    assert await school_count(storage) == 2
    assert await read_checkpoint(storage, "projection:roster") == position + 1


async def test_local_drain_of_a_new_projector_resumes_from_the_checkpoint(
    storage: Storage,
) -> None:
    await append_users(storage, "a", 3)
    await LocalProjector(storage, SchoolRoster(), AppendSignal()).drain()
    await append_users(storage, "a", 2, after=3)
    restarted = SchoolRoster()

    await LocalProjector(storage, restarted, AppendSignal()).drain()

    assert len(restarted.seen) == 2  # only what came after the checkpoint
    assert await school_count(storage) == 5


# --- KafkaProjection --------------------------------------------------------------------


async def test_kafka_same_batch_twice_applies_once(storage: Storage) -> None:
    batch = user_envelopes("a", 3)
    roster = SchoolRoster()
    consumer = KafkaProjection(storage, roster)

    assert await consumer.handle(batch) == 3
    assert await consumer.handle(batch) == 0

    assert len(roster.seen) == 3
    assert await school_count(storage) == 3
    markers = await all_docs(storage, PROCESSED)
    assert sorted(str(m["id"]) for m in markers) == sorted(f"roster:{e.event_id}" for e in batch)


async def test_kafka_overlapping_redelivery_applies_only_new_events(storage: Storage) -> None:
    events = user_envelopes("a", 5)
    roster = SchoolRoster()
    consumer = KafkaProjection(storage, roster)
    await consumer.handle(events[:3])

    assert await consumer.handle(events[1:]) == 2
    assert roster.seen == [e.event_id for e in events]
    assert await school_count(storage) == 5


async def test_kafka_duplicate_within_one_batch_applies_once(storage: Storage) -> None:
    (event,) = user_envelopes("a", 1)
    roster = SchoolRoster()
    assert await KafkaProjection(storage, roster).handle([event, event]) == 1
    assert await school_count(storage) == 1


async def test_kafka_failure_mid_batch_leaves_nothing_written(storage: Storage) -> None:
    batch = user_envelopes("a", 4)
    failing = KafkaProjection(storage, SchoolRoster(fail_on_login="login.a-u3"))

    with pytest.raises(RuntimeError, match="projection bug"):
        await failing.handle(batch)

    assert await all_docs(storage, PROCESSED) == []
    assert await all_docs(storage, "users") == []
    assert await school_count(storage) is None

    # Redelivery of the whole batch after the fix applies every event exactly once.
    roster = SchoolRoster()
    assert await KafkaProjection(storage, roster).handle(batch) == 4
    assert len(roster.seen) == 4
    assert await school_count(storage) == 4


async def test_kafka_skips_unknown_event_types(storage: Storage) -> None:
    known = user_envelopes("a", 2)
    batch = [known[0], unknown_envelope("z"), known[1]]
    roster = SchoolRoster()

    await KafkaProjection(storage, roster).handle(batch)

    assert roster.seen == [known[0].event_id, known[1].event_id]
    assert await school_count(storage) == 2
    # Not marked as handled: a replay after an upgrade that knows the type applies it.
    markers = {doc["id"] for doc in await all_docs(storage, PROCESSED)}
    assert markers == {f"roster:{e.event_id}" for e in known}


async def test_kafka_markers_are_per_projection(storage: Storage) -> None:
    batch = user_envelopes("a", 2)

    class OtherRoster(SchoolRoster):
        name = "other"

    await KafkaProjection(storage, SchoolRoster()).handle(batch)
    other = OtherRoster()
    assert await KafkaProjection(storage, other).handle(batch) == 2
    assert len(other.seen) == 2


async def test_kafka_apply_runs_in_the_trace_of_the_event(storage: Storage) -> None:
    (event,) = user_envelopes("a", 1)
    traced = msgspec_replace_trace(event, f"00-{TRACE_ID}-00f067aa0ba902b7-01")
    roster = SchoolRoster()

    await KafkaProjection(storage, roster).handle([traced])

    assert roster.trace_ids == [TRACE_ID]


def msgspec_replace_trace(event: Envelope, traceparent: str) -> Envelope:
    return msgspec.structs.replace(event, trace=TraceContext(traceparent=traceparent))
