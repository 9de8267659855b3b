"""Suite `kit`: raw Kafka produce rate vs the full event pipeline, measured in one run.

- kit.raw_produce.msgs_per_s: aiokafka producing envelope-sized messages to the local
  Tansu broker (acks=all, keyed), the ceiling for anything built on top.
- kit.pipeline.events_per_s: commands append events (one event per append, SQLite) →
  outbox relay → Kafka → idempotent projection in another SQLite store, from the first
  append until the projection has applied the last event.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer
from ent_contracts import SYSTEM, DomainEvent, Envelope, topics
from ent_contracts.directory import UserRegistered
from ent_devstack.stack import TansuBroker, free_port
from ent_kit.aggregate import envelope_for
from ent_kit.messaging import KafkaEventPublisher, encode_envelope, ensure_topics, make_broker
from ent_kit.outbox import OutboxRelay
from ent_kit.projections import KafkaProjection
from ent_kit.signal import AppendSignal
from ent_kit.storage import DocumentWriter, Storage, open_storage
from opentelemetry.sdk.trace import TracerProvider

from bench.report import bench

EVENTS = 20_000
AGGREGATES = 2_000
PARTITIONS = 3


def sample_event(i: int) -> Envelope:
    user = f"user-{i % AGGREGATES}"
    event = UserRegistered(
        user_id=user, school_id="school-1", login=f"login.{i}", first_name="Camille",
        last_name="Martin", profile="student", classes=["4A"],
    )  # fmt: skip
    return envelope_for(event, user, i // AGGREGATES + 1, SYSTEM)


async def raw_produce(bootstrap: str, count: int) -> float:
    payloads = [
        (e.aggregate_id.encode(), encode_envelope(e)) for e in map(sample_event, range(count))
    ]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        started = time.perf_counter()
        pending = [await producer.send("bench.raw", value, key=key) for key, value in payloads]
        await asyncio.gather(*pending)
        return count / (time.perf_counter() - started)
    finally:
        await producer.stop()


class CountingProjection:
    name = "bench"

    def __init__(self) -> None:
        self.applied = 0
        self.done = asyncio.Event()

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        await tx.put("seen", envelope.aggregate_id, {"version": envelope.aggregate_version})
        self.applied += 1
        if self.applied >= EVENTS:
            self.done.set()


async def pipeline(bootstrap: str, workdir: Path) -> float:
    producer_store = await open_storage(f"sqlite://{workdir}/producer.db", service_name="bench")
    consumer_store = await open_storage(f"sqlite://{workdir}/consumer.db", service_name="bench")
    provider = TracerProvider()  # real middleware, no exporter: spans are made, not shipped
    broker = make_broker(bootstrap, client_id="bench", idempotence=False, tracer_provider=provider)
    projection = CountingProjection()
    KafkaProjection(consumer_store, projection).subscribe(
        broker, topics.DIRECTORY, group_id="bench"
    )
    signal = AppendSignal()
    relay = OutboxRelay(producer_store, KafkaEventPublisher(broker), signal, poll_interval=0.05)
    await broker.start()
    await asyncio.sleep(6)  # let the consumer group settle before the clock starts
    envelopes = [sample_event(i) for i in range(EVENTS)]
    try:
        relay_task = asyncio.create_task(relay.run())
        started = time.perf_counter()
        await append_all(producer_store, envelopes, signal)
        await asyncio.wait_for(projection.done.wait(), timeout=300)
        elapsed = time.perf_counter() - started
        await relay.stop()
        await relay_task
        return EVENTS / elapsed
    finally:
        await broker.stop()
        await producer_store.close()
        await consumer_store.close()


async def append_all(storage: Storage, envelopes: list[Envelope], signal: AppendSignal) -> None:
    for envelope in envelopes:
        await storage.events.append(
            envelope.aggregate_id, envelope.aggregate_version - 1, [envelope]
        )
        signal.notify()


async def run() -> None:
    with TansuBroker(free_port()) as broker, tempfile.TemporaryDirectory() as tmp:
        await ensure_topics(broker.bootstrap, ["bench.raw", topics.DIRECTORY], PARTITIONS)
        raw = await raw_produce(broker.bootstrap, 100_000)
        bench("kit.raw_produce.msgs_per_s", raw, "msgs/s")
        rate = await pipeline(broker.bootstrap, Path(tmp))
        bench("kit.pipeline.events_per_s", rate, "events/s")
        bench("kit.pipeline.ratio_to_raw", rate / raw, "ratio")
