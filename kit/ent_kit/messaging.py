"""Kafka through FastStream: broker factory, topic creation, envelope (de)serialisation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence

import msgspec
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from ent_contracts import Envelope
from ent_contracts.registry import payload_class
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider

from ent_kit.storage import StoredEvent

encode_envelope = msgspec.json.Encoder().encode
decode_envelope = msgspec.json.Decoder(Envelope).decode


def make_broker(bootstrap: str, *, client_id: str, idempotence: bool) -> KafkaBroker:
    """No broker-wide telemetry middleware: it would add two spans to every published
    event (a third of the relay's throughput, measured). The relay writes the W3C trace
    context into the headers itself; consumers get FastStream's telemetry through
    `consumer_router`."""
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        # Tansu rejects idempotent producers; with real Kafka they prevent duplicates on retry.
        enable_idempotence=idempotence,
        acks="all",
        linger_ms=5,
        # Not "faststream": that logger has its own coloured handler and does not propagate.
        logger=logging.getLogger("ent.kafka"),
    )


def consumer_router(tracer_provider: TracerProvider) -> KafkaRouter:
    """Subscribers registered here get FastStream's consume spans, which continue the
    trace found in the W3C headers."""
    return KafkaRouter(middlewares=(KafkaTelemetryMiddleware(tracer_provider=tracer_provider),))


def event_headers(envelope: Envelope) -> dict[str, str]:
    """Routing facts for consumers that do not decode the body, and the W3C context of
    the request that caused the event, so every consumer joins that trace."""
    headers = {
        "ent-event-id": envelope.event_id,
        "ent-event-type": envelope.type,
        "ent-schema-version": str(envelope.schema_version),
        "content-type": "application/json",
    }
    if envelope.trace.traceparent:
        headers["traceparent"] = envelope.trace.traceparent
    if envelope.trace.tracestate:
        headers["tracestate"] = envelope.trace.tracestate
    return headers


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="ent-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [NewTopic(t, partitions, 1) for t in topics if t not in existing]
        if wanted:
            # Another service may create it between our list and our create.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()


class KafkaEventPublisher:
    """Outbox publisher: one topic per event family, key = aggregate id, trace continued."""

    def __init__(self, broker: KafkaBroker) -> None:
        self._broker = broker

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        pending = []
        for stored in events:
            envelope = stored.envelope
            pending.append(
                await self._broker.publish(
                    encode_envelope(envelope),
                    payload_class(envelope.type, envelope.schema_version).topic,
                    key=envelope.aggregate_id.encode(),
                    headers=event_headers(envelope),
                    no_confirm=True,
                )
            )
        # aiokafka keeps one in-flight batch per partition, so order per key holds.
        await asyncio.gather(*pending)
