"""A service without its broker: it starts, reports ready (the broker's state named apart),
takes writes, and connects, publishes and consumes once the broker comes; after a broker
restart (the embedded broker forgets its topics) it creates them again and carries on."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from ent_contracts import DomainEvent, Envelope, topics
from ent_devstack.stack import TansuBroker, free_port
from ent_kit.broker_link import BrokerUnavailable, KafkaEventPublisher
from ent_kit.messaging import make_broker
from ent_kit.runtime import Runtime, ServiceDefinition, Subscription
from ent_kit.settings import ServiceSettings
from ent_kit.storage import DocumentWriter, StoredEvent
from opentelemetry.sdk.trace import TracerProvider
from test_kafka_flow import append, user_events

SECRET = "s" * 40


class Seen:
    """A projection of the service's own topic: which aggregates arrived through Kafka."""

    name = "seen"

    def __init__(self) -> None:
        self.aggregates: set[str] = set()
        self.events: set[str] = set()

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        self.aggregates.add(envelope.aggregate_id)
        self.events.add(envelope.event_id)


async def until(probe: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds it took for `probe` to hold (fails after `timeout`)."""
    start = time.monotonic()
    while not probe():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def topic_names(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return await admin.list_topics()
    finally:
        await admin.close()


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[tuple[Runtime, Seen]]:
    seen = Seen()
    definition = ServiceDefinition(
        name="linked",
        topics=[topics.DIRECTORY],
        subscriptions=[Subscription(topics.DIRECTORY, seen)],
        uses_blobs=False,
    )
    settings = ServiceSettings(
        service_name="linked",
        store_url=f"sqlite://{tmp_path}/linked.db",
        kafka_bootstrap=f"127.0.0.1:{free_port()}",  # nobody there yet
    )
    runtime = Runtime(definition, settings, TracerProvider())
    await runtime.start()
    yield runtime, seen
    await runtime.stop()


async def test_starts_and_serves_without_the_broker_then_catches_up(
    service: tuple[Runtime, Seen],
) -> None:
    runtime, seen = service
    bootstrap = runtime.settings.kafka_bootstrap
    port = int(bootstrap.rsplit(":", 1)[1])

    assert await runtime.readiness() == {"store": "ok"}  # ready: the broker is not required
    assert runtime.non_blocking_checks()["broker"].startswith("unavailable: ")
    assert runtime.broker_connected is False
    first, second = user_events(aggregates=2, versions=1)
    await append(runtime.storage, [first])  # a write while the broker is away
    runtime.signal.notify()

    with TansuBroker(port) as tansu:
        took = await until(lambda: bool(runtime.broker_connected), 20, "connected")
        print(f"FAULT link_connect_after_broker_start_s {took:.1f}")
        await until(lambda: first.aggregate_id in seen.aggregates, 30, "published and consumed")
        assert runtime.non_blocking_checks() == {"broker": "ok"}

        assert tansu.process is not None
        tansu.process.send_signal(signal.SIGKILL)
        tansu.process.wait()
        await until(lambda: runtime.broker_connected is False, 15, "outage noticed")
        assert await runtime.readiness() == {"store": "ok"}
        assert runtime.non_blocking_checks()["broker"].startswith("unavailable: ")
        await append(runtime.storage, [second])
        runtime.signal.notify()

        tansu.start()  # same port, empty memory: no topics
        await until(lambda: bool(runtime.broker_connected), 30, "connected again")
        assert topics.DIRECTORY in await topic_names(bootstrap)  # created again
        await until(lambda: second.aggregate_id in seen.aggregates, 60, "consumed again")


async def test_after_a_long_outage_the_consumers_miss_nothing_the_empty_broker_got(
    service: tuple[Runtime, Seen],
) -> None:
    """aiokafka's consumers keep their fetch positions through an outage longer than their
    session: on a broker that came back empty, they would skip the first events published
    again (measured before the link replaced its clients: all but those past the old
    positions lost)."""
    runtime, seen = service
    port = int(runtime.settings.kafka_bootstrap.rsplit(":", 1)[1])
    events = user_events(aggregates=30, versions=4)
    before, during = events[:30], events[30:]  # about 10, then 30, per partition

    with TansuBroker(port) as tansu:
        await append(runtime.storage, before)
        runtime.signal.notify()
        ids = {e.event_id for e in before}
        await until(lambda: ids <= seen.events, 30, "consumed before the outage")

        assert tansu.process is not None
        tansu.process.send_signal(signal.SIGKILL)
        tansu.process.wait()
        await until(lambda: runtime.broker_connected is False, 15, "outage noticed")
        await append(runtime.storage, during)
        runtime.signal.notify()
        await asyncio.sleep(12)  # past the consumers' 10 s session

        tansu.start()
        ids = {e.event_id for e in during}
        took = await until(lambda: ids <= seen.events, 60, "every event of the outage consumed")
        print(f"FAULT link_consumed_outage_backlog_s {took:.1f}")


async def test_a_publish_to_a_dead_broker_fails_in_bounded_time() -> None:
    with TansuBroker(free_port()) as tansu:
        broker = make_broker(tansu.bootstrap, client_id="t", idempotence=False)
        await broker.start()
        assert tansu.process is not None
        tansu.process.send_signal(signal.SIGKILL)
        tansu.process.wait()
        publisher = KafkaEventPublisher(broker, timeout_s=2.0)
        started = time.monotonic()
        try:
            with pytest.raises(BrokerUnavailable):
                await publisher.publish([StoredEvent(1, user_events(1, 1)[0])])
        finally:
            await asyncio.wait_for(broker.stop(), 15)
        assert time.monotonic() - started < 5.0
