"""Suite `kit`: raw Kafka produce rate vs the full event pipeline, measured in one run.

- kit.raw_produce.msgs_per_s: aiokafka producing envelope-sized messages to the local
  Tansu broker (acks=all, keyed), the ceiling for anything built on top.
- kit.pipeline.events_per_s: 32 concurrent commands (as from concurrent HTTP requests)
  each append one event (SQLite, group commit) → outbox relay → Kafka → idempotent
  projection in another SQLite store, from the first append until the projection has
  applied the last event. The relay runs as a service runs it: under the replica lease,
  checked in each checkpoint's transaction. The consumer runs as its own process, as the
  consuming service does in production.
- kit.failover.*: the lease holder killed, the time until a standby runs the pipeline
  (`bench/kit_failover.py`).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer
from ent_contracts import SYSTEM, DomainEvent, Envelope, topics
from ent_contracts.directory import UserRegistered
from ent_devstack.stack import TansuBroker, free_port
from ent_kit.kafka_projection import KafkaProjection
from ent_kit.lease import Lease
from ent_kit.messaging import (
    KafkaEventPublisher,
    consumer_router,
    encode_envelope,
    ensure_topics,
    make_broker,
)
from ent_kit.outbox import OutboxRelay
from ent_kit.pipeline import LeasedPipeline
from ent_kit.repository import envelope_for
from ent_kit.signal import AppendSignal
from ent_kit.storage import DocumentWriter, Storage, open_storage
from opentelemetry.sdk.trace import TracerProvider

from bench import kit_failover
from bench.report import bench

EVENTS = 50_000
AGGREGATES = 5_000
PARTITIONS = 3
COMMANDS = 32
ROUNDS = 3


def sample_event(i: int, round_: int = 0) -> Envelope:
    user = f"r{round_}-user-{i % AGGREGATES}"
    event = UserRegistered(
        user_id=user,
        school_id="school-1",
        login=f"login.{i}",
        first_name="Camille",
        last_name="Martin",
        profile="student",
        classes=["4A"],
    )
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
    collections = ("seen",)

    def __init__(self, expected: int, round_: int) -> None:
        self.expected = expected
        self.prefix = f"r{round_}-"
        self.applied = 0
        self.done = asyncio.Event()

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        await tx.put("seen", envelope.aggregate_id, {"version": envelope.aggregate_version})
        # A batch of an earlier round left uncommitted may come again: not this round's.
        self.applied += envelope.aggregate_id.startswith(self.prefix)
        if self.applied >= self.expected:
            self.done.set()


async def consume(bootstrap: str, database: Path, expected: int, round_: int) -> None:
    """The consuming service, run as its own process (`python -m bench.kit consume …`):
    prints READY once subscribed, then the wall-clock time it applied the last event."""
    store = await open_storage(f"sqlite://{database}", service_name="bench-consumer")
    broker = make_broker(bootstrap, client_id="bench-consumer", idempotence=False)
    router = consumer_router(TracerProvider())  # real middleware; spans made, not shipped
    projection = CountingProjection(expected, round_)
    KafkaProjection(store, projection).subscribe(router, topics.DIRECTORY, group_id="bench")
    broker.include_router(router)
    await broker.start()
    try:
        await asyncio.sleep(6)  # let the consumer group settle before the clock starts
        print("READY", flush=True)
        await asyncio.wait_for(projection.done.wait(), timeout=300)
        print(f"DONE {time.time()}", flush=True)
    finally:
        await broker.stop()
        await store.close()


async def pipeline(bootstrap: str, workdir: Path, round_: int) -> float:
    consumer = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.kit",
        "consume",
        bootstrap,
        str(workdir / "consumer.db"),
        str(EVENTS),
        str(round_),
        stdout=asyncio.subprocess.PIPE,
    )
    assert consumer.stdout is not None
    assert (await consumer.stdout.readline()).strip() == b"READY"
    storage = await open_storage(f"sqlite://{workdir}/producer.db", service_name="bench")
    broker = make_broker(bootstrap, client_id="bench", idempotence=False)
    signal = AppendSignal()
    leased = LeasedPipeline(Lease(storage.documents, "pipeline", ttl_s=10.0))
    relay = OutboxRelay(
        storage, KafkaEventPublisher(broker), signal, poll_interval=0.05, guard=leased.guard
    )
    await broker.start()
    envelopes = [sample_event(i, round_) for i in range(EVENTS)]
    try:
        changed = leased.changed
        leased.add("outbox", relay)
        await asyncio.wait_for(changed.wait(), 10)  # the lease taken, the relay started
        assert leased.running
        started = time.time()
        await append_all(storage, envelopes, signal)
        done_line = await asyncio.wait_for(consumer.stdout.readline(), timeout=300)
        await leased.close()
        return EVENTS / (float(done_line.split()[1]) - started)
    finally:
        await consumer.wait()
        await broker.stop()
        await storage.close()


async def append_all(storage: Storage, envelopes: list[Envelope], signal: AppendSignal) -> None:
    """COMMANDS workers, each appending one event at a time, like concurrent requests."""
    queue = iter(envelopes)

    async def command_worker() -> None:
        for envelope in queue:
            version = envelope.aggregate_version
            await storage.events.append(envelope.aggregate_id, version - 1, [envelope])
            signal.notify()

    await asyncio.gather(*(command_worker() for _ in range(COMMANDS)))


async def run() -> None:
    """Each measure ROUNDS times, alternating, so both see the same machine; medians."""
    raw_rates: list[float] = []
    pipeline_rates: list[float] = []
    with TansuBroker(free_port()) as broker:
        await ensure_topics(broker.bootstrap, ["bench.raw", topics.DIRECTORY], PARTITIONS)
        for round_ in range(ROUNDS):
            raw_rates.append(await raw_produce(broker.bootstrap, 100_000))
            with tempfile.TemporaryDirectory() as tmp:
                pipeline_rates.append(await pipeline(broker.bootstrap, Path(tmp), round_))
    raw, rate = statistics.median(raw_rates), statistics.median(pipeline_rates)
    bench("kit.raw_produce.msgs_per_s", raw, "msgs/s")
    bench("kit.pipeline.events_per_s", rate, "events/s")
    bench("kit.pipeline.ratio_to_raw", rate / raw, "ratio")
    await kit_failover.measure()


if __name__ == "__main__" and sys.argv[1:2] == ["consume"]:
    _, _, bootstrap_arg, database_arg, expected_arg, round_arg = sys.argv
    asyncio.run(consume(bootstrap_arg, Path(database_arg), int(expected_arg), int(round_arg)))
