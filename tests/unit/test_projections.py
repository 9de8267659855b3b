"""LocalProjector and KafkaProjection: read models updated exactly once in effect."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from ent_contracts import Envelope, TraceContext
from ent_kit.kafka_projection import KafkaProjection
from ent_kit.outbox import read_checkpoint
from ent_kit.parking import PARKED, PoisonPolicy
from ent_kit.projections import PROCESSED, LocalProjector
from ent_kit.signal import AppendSignal
from ent_kit.storage import Storage
from kit_fixtures import (
    SchoolRoster,
    StorageOpener,
    all_docs,
    append_users,
    school_count,
    storage,
    storage_opener,
    unknown_envelope,
    user_envelopes,
)

__all__ = ["storage", "storage_opener"]

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


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


async def test_local_run_retries_a_failing_event_before_parking_it(storage: Storage) -> None:
    position = await append_users(storage, "a", 3)
    roster = SchoolRoster(fail_on_login="login.a-u2")
    policy = PoisonPolicy(attempts=50, first_pause_s=0.01, max_pause_s=0.01)
    projector = LocalProjector(storage, roster, AppendSignal(), poll_interval=0.01, policy=policy)
    task = asyncio.create_task(projector.run())
    try:
        await asyncio.sleep(0.1)
        assert await school_count(storage) == 1  # u1 applied alone, u2 tried again and again
        roster.fail_on_login = None  # fixed before its attempts ran out
        await projector.caught_up(position, timeout=2.0)
    finally:
        await projector.stop()
        await asyncio.wait_for(task, 1.0)
    assert await school_count(storage) == 3
    assert await all_docs(storage, PARKED) == []


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


async def test_kafka_skips_the_types_a_projection_does_not_handle_unmarked(
    storage: Storage,
) -> None:
    """A consumer of a busy topic that needs one rare type of it writes nothing for the
    others: no decoding, no handled marker."""
    batch = user_envelopes("a", 3)

    class RareOnly(SchoolRoster):
        handles = frozenset({"directory.SessionsEnded"})

    rare = RareOnly()
    assert await KafkaProjection(storage, rare).handle(batch) == 0

    assert rare.seen == []
    assert await all_docs(storage, PROCESSED) == []


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
