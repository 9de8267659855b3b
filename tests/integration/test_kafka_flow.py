"""The outbox relay and the idempotent consumer against the real Tansu broker over TCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import msgspec
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from ent_contracts import SYSTEM, DomainEvent, Envelope, TraceContext, topics
from ent_contracts.directory import UserRegistered
from ent_devstack.stack import TansuBroker, free_port
from ent_kit.broker_link import KafkaEventPublisher
from ent_kit.kafka_projection import KafkaProjection
from ent_kit.messaging import (
    consumer_router,
    ensure_topics,
    event_headers,
    make_broker,
)
from ent_kit.outbox import OutboxRelay
from ent_kit.repository import envelope_for
from ent_kit.signal import AppendSignal
from ent_kit.storage import DocumentWriter, Query, Storage, StoredEvent, open_storage
from faststream.kafka import KafkaBroker
from opentelemetry.sdk.trace import TracerProvider

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACED = TraceContext(traceparent=TRACEPARENT)


@pytest.fixture
def tansu() -> Iterator[TansuBroker]:
    with TansuBroker(free_port()) as broker:
        yield broker


@pytest.fixture
async def storages(tmp_path: Path) -> AsyncIterator[tuple[Storage, Storage]]:
    producer = await open_storage(f"sqlite://{tmp_path}/producer.db", service_name="p")
    consumer = await open_storage(f"sqlite://{tmp_path}/consumer.db", service_name="c")
    yield producer, consumer
    await producer.close()
    await consumer.close()


class Recorder:
    """Records what it applies; can fail on chosen attempts to force a redelivery."""

    name = "recorder"

    def __init__(self, expected: int, fail_first_attempts_on: str | None = None) -> None:
        self.expected = expected
        self.fail_on = fail_first_attempts_on
        self.failures = 0
        self.applied: list[tuple[str, int]] = []
        self.done = asyncio.Event()

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        if envelope.aggregate_id == self.fail_on and self.failures < 2:
            self.failures += 1
            raise RuntimeError("projection failure: the batch must come again")
        # Read-modify-write: an event applied twice would count twice.
        counter = await tx.get("applied", envelope.aggregate_id) or {"count": 0}
        await tx.put("applied", envelope.aggregate_id, {"count": counter["count"] + 1})
        self.applied.append((envelope.aggregate_id, envelope.aggregate_version))
        if len(self.applied) >= self.expected:
            self.done.set()


def user_events(aggregates: int, versions: int) -> list[Envelope]:
    events = []
    for version in range(1, versions + 1):
        for a in range(aggregates):
            user = f"user-{a}"
            event = UserRegistered(
                user_id=user,
                school_id="s",
                login=f"l{a}.{version}",
                first_name="A",
                last_name="B",
                profile="student",
            )
            envelope = envelope_for(event, user, version, SYSTEM)
            events.append(msgspec.structs.replace(envelope, trace=TRACED))
    return events


async def start_consumer(bootstrap: str, storage: Storage, projection: Recorder) -> KafkaBroker:
    broker = make_broker(bootstrap, client_id="test-consumer", idempotence=False)
    router = consumer_router(TracerProvider())
    KafkaProjection(storage, projection).subscribe(router, topics.DIRECTORY, group_id="test")
    broker.include_router(router)
    await broker.start()
    return broker


async def eventually_counted(storage: Storage, expected: int, timeout: float = 60.0) -> None:
    async def total() -> int:
        page = await storage.documents.find("applied", Query(limit=1000))
        return sum(int(doc["count"]) for doc in page.items)

    async with asyncio.timeout(timeout):
        while await total() < expected:  # noqa: ASYNC110 - polling another store, no event to await
            await asyncio.sleep(0.1)


async def append(storage: Storage, envelopes: list[Envelope]) -> None:
    for envelope in envelopes:
        await storage.events.append(
            envelope.aggregate_id, envelope.aggregate_version - 1, [envelope]
        )


async def test_relay_to_consumer_keeps_order_per_aggregate(
    tansu: TansuBroker, storages: tuple[Storage, Storage]
) -> None:
    producer_store, consumer_store = storages
    await ensure_topics(tansu.bootstrap, [topics.DIRECTORY], partitions=3)
    events = user_events(aggregates=20, versions=10)
    await append(producer_store, events)
    recorder = Recorder(expected=len(events))
    consumer = await start_consumer(tansu.bootstrap, consumer_store, recorder)
    producer = make_broker(tansu.bootstrap, client_id="test-producer", idempotence=False)
    await producer.start()
    try:
        relay = OutboxRelay(producer_store, KafkaEventPublisher(producer), AppendSignal())
        assert await relay.drain() == len(events)
        await asyncio.wait_for(recorder.done.wait(), timeout=60)
    finally:
        await producer.stop()
        await consumer.stop()

    assert len(recorder.applied) == len(events)
    for a in range(20):
        versions = [v for agg, v in recorder.applied if agg == f"user-{a}"]
        assert versions == list(range(1, 11)), f"user-{a} out of order: {versions}"


async def test_failed_batch_is_redelivered_and_applied_once(
    tansu: TansuBroker, storages: tuple[Storage, Storage]
) -> None:
    _, consumer_store = storages
    await ensure_topics(tansu.bootstrap, [topics.DIRECTORY], partitions=1)
    events = user_events(aggregates=5, versions=4)
    recorder = Recorder(expected=len(events), fail_first_attempts_on="user-3")
    consumer = await start_consumer(tansu.bootstrap, consumer_store, recorder)
    producer = make_broker(tansu.bootstrap, client_id="test-producer", idempotence=False)
    await producer.start()
    try:
        publisher = KafkaEventPublisher(producer)
        stored = [StoredEvent(i + 1, e) for i, e in enumerate(events)]
        await publisher.publish(stored)
        await publisher.publish(stored[:7])  # a relay that died before its checkpoint
        await eventually_counted(consumer_store, len(events))
        await asyncio.sleep(1.0)  # room for any wrongful extra delivery to show up
    finally:
        await producer.stop()
        await consumer.stop()

    assert recorder.failures == 2  # the failing batch really was handled again
    # What was committed: every event exactly once (the in-memory list also holds the
    # attempts that were rolled back).
    for a in range(5):
        counter = await consumer_store.documents.get("applied", f"user-{a}")
        assert counter is not None
        assert counter["count"] == 4, f"user-{a}: {counter}"


def test_headers_carry_routing_facts_and_the_trace_context() -> None:
    envelope = user_events(aggregates=1, versions=1)[0]

    headers = event_headers(envelope)

    assert headers["traceparent"] == TRACEPARENT
    assert headers["ent-event-type"] == "directory.UserRegistered"
    assert headers["ent-event-id"] == envelope.event_id
    assert headers["ent-schema-version"] == "1"


async def test_topics_are_created_with_the_configured_retention(tansu: TansuBroker) -> None:
    thirty_days = 30 * 24 * 3600 * 1000
    created = await ensure_topics(
        tansu.bootstrap, ["ent.test.retained"], partitions=2, retention_ms=thirty_days
    )
    again = await ensure_topics(
        tansu.bootstrap, ["ent.test.retained"], partitions=2, retention_ms=thirty_days
    )

    assert created == ["ent.test.retained"]
    assert again == []  # an existing topic is left as it is
    admin = AIOKafkaAdminClient(bootstrap_servers=tansu.bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics(["ent.test.retained"])
    finally:
        await admin.close()
    assert len(described["partitions"]) == 2


async def test_published_records_carry_the_event_id_as_their_correlation_id(
    tansu: TansuBroker,
) -> None:
    await ensure_topics(tansu.bootstrap, [topics.DIRECTORY], partitions=1)
    envelopes = user_events(aggregates=3, versions=1)
    producer = make_broker(tansu.bootstrap, client_id="test-producer", idempotence=False)
    await producer.start()
    try:
        await KafkaEventPublisher(producer).publish(
            [StoredEvent(i + 1, e) for i, e in enumerate(envelopes)]
        )
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(bootstrap_servers=tansu.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition(topics.DIRECTORY, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        records = (await consumer.getmany(partition, timeout_ms=5000, max_records=10))[partition]
    finally:
        await consumer.stop()
    headers = [{k: v.decode() for k, v in record.headers} for record in records]
    assert [(h["correlation_id"], h["ent-event-id"]) for h in headers] == [
        (e.event_id, e.event_id) for e in envelopes
    ]
