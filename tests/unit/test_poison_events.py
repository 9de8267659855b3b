"""Poison events: an event a projection keeps failing on is parked, the others applied."""

from __future__ import annotations

import asyncio

import pytest
from ent_contracts import DomainEvent, Envelope
from ent_kit.kafka_projection import KafkaProjection, Received
from ent_kit.lease import LeaseLost
from ent_kit.messaging import encode_envelope
from ent_kit.outbox import read_checkpoint
from ent_kit.parking import PARKED, ParkedEvent, PoisonPolicy, parked_count, parked_events
from ent_kit.projections import PROCESSED, LocalProjector
from ent_kit.signal import AppendSignal
from ent_kit.storage import DocumentReader, DocumentWriter, Storage
from kit_fixtures import (
    SchoolRoster,
    all_docs,
    append_users,
    school_count,
    storage,
    user_envelopes,
)

__all__ = ["storage"]

QUICK = PoisonPolicy(attempts=3, first_pause_s=0.0)


async def parked_list(storage: Storage) -> list[ParkedEvent]:
    return [p async for p in parked_events(storage.documents)]


class Flaky(SchoolRoster):
    """Fails on its first `failures` tries of any event, then works (a transient fault)."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("transient")
        await super().apply(tx, envelope, event)


# --- the service's own log (LocalProjector) ----------------------------------------------


async def test_local_poison_event_is_parked_and_the_others_applied(storage: Storage) -> None:
    last = await append_users(storage, "a", 4)
    roster = SchoolRoster(fail_on_login="login.a-u3")
    projector = LocalProjector(storage, roster, AppendSignal(), batch_size=10, policy=QUICK)

    await projector.drain()

    users = {doc["id"] for doc in await all_docs(storage, "users")}
    assert users == {"a-u1", "a-u2", "a-u4"}  # u3's half-written document rolled back
    assert await school_count(storage) == 3
    assert await read_checkpoint(storage, "projection:roster") == last
    [parked] = await parked_list(storage)
    assert (parked.projection, parked.source) == ("roster", "log")
    assert parked.type == "directory.UserRegistered"
    assert parked.position == 3
    assert parked.attempts == 3
    assert parked.error == "RuntimeError: projection bug"
    # Commands waiting for their writes are not held up by the parked event.
    await asyncio.wait_for(projector.caught_up(last), 1.0)


async def test_local_transient_failure_is_retried_not_parked(storage: Storage) -> None:
    await append_users(storage, "a", 3)
    flaky = Flaky(failures=2)  # the batch, then u1 alone once: the second try works

    await LocalProjector(storage, flaky, AppendSignal(), policy=QUICK).drain()

    assert await school_count(storage) == 3
    assert await parked_list(storage) == []


async def test_losing_the_lease_is_not_poison(storage: Storage) -> None:
    await append_users(storage, "a", 2)

    async def lost(tx: DocumentReader) -> None:
        raise LeaseLost("taken over")

    projector = LocalProjector(storage, SchoolRoster(), AppendSignal(), guard=lost, policy=QUICK)
    with pytest.raises(LeaseLost):
        await projector.drain()
    assert await parked_list(storage) == []
    assert await read_checkpoint(storage, "projection:roster") == 0


# --- another service's topic (KafkaProjection) -------------------------------------------


class DeadLetters:
    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.sent: list[tuple[str, bytes, str]] = []

    async def __call__(self, received: Received, parked: ParkedEvent) -> None:
        if self.fail:
            raise ConnectionError("broker away")
        self.sent.append((received.topic, received.record(), parked.event_id))


def on_topic(batch: list[Envelope]) -> list[Received]:
    return [
        Received.decode("directory.events", encode_envelope(e), b"k", 1, offset)
        for offset, e in enumerate(batch)
    ]


async def test_consumed_poison_event_is_parked_on_the_store_and_the_dead_letter_topic(
    storage: Storage,
) -> None:
    batch = user_envelopes("a", 4)
    dlq = DeadLetters()
    consumer = KafkaProjection(
        storage, SchoolRoster(fail_on_login="login.a-u3"), policy=QUICK, dead_letters=dlq
    )

    assert await consumer.handle_received(on_topic(batch)) == 3

    assert await school_count(storage) == 3
    poison = batch[2]
    [parked] = await parked_list(storage)
    assert (parked.event_id, parked.source) == (poison.event_id, "directory.events")
    assert parked.record_bytes() == encode_envelope(poison)
    assert dlq.sent == [("directory.events", encode_envelope(poison), poison.event_id)]
    assert await parked_count(storage.documents) == 1

    # Redelivered (a rebalance, a restart): nothing applied or parked twice.
    assert await consumer.handle_received(on_topic(batch)) == 0
    assert await school_count(storage) == 3
    assert len(dlq.sent) == 1
    assert len(await all_docs(storage, PROCESSED)) == 4


async def test_bytes_that_are_no_event_are_parked_at_once(storage: Storage) -> None:
    good = user_envelopes("a", 2)
    garbage = Received.decode("directory.events", b"\xff not json", None, 2, 7)
    dlq = DeadLetters()
    consumer = KafkaProjection(storage, SchoolRoster(), policy=QUICK, dead_letters=dlq)

    assert await consumer.handle_received([*on_topic(good), garbage]) == 2

    [parked] = await parked_list(storage)
    assert parked.type == "undecodable"
    assert parked.event_id == "directory.events/2@7"
    assert parked.record_bytes() == b"\xff not json"
    assert parked.attempts == 1
    assert [sent[1] for sent in dlq.sent] == [b"\xff not json"]


async def test_no_dead_letter_topic_no_parking(storage: Storage) -> None:
    """The broker away while parking: the batch fails (and is redelivered), nothing parked."""
    consumer = KafkaProjection(
        storage,
        SchoolRoster(fail_on_login="login.a-u2"),
        policy=QUICK,
        dead_letters=DeadLetters(fail=True),
    )
    with pytest.raises(ConnectionError):
        await consumer.handle_received(on_topic(user_envelopes("a", 3)))
    assert await parked_list(storage) == []
    assert await storage.documents.get(PROCESSED, "roster:" + "x") is None


async def test_policy_pauses_double_up_to_a_cap() -> None:
    policy = PoisonPolicy(attempts=6, first_pause_s=1.0, max_pause_s=5.0)
    assert list(policy.pauses()) == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert list(PoisonPolicy(attempts=1).pauses()) == []


async def test_parked_documents_live_in_their_own_collection(storage: Storage) -> None:
    await append_users(storage, "a", 1)
    await LocalProjector(
        storage, SchoolRoster(fail_on_login="login.a-u1"), AppendSignal(), policy=QUICK
    ).drain()
    assert [doc["id"] for doc in await all_docs(storage, PARKED)] == [
        f"roster:{(await storage.events.read_all())[0].envelope.event_id}"
    ]
