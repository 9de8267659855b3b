"""Kafka through FastStream: broker factory, topic creation, envelope (de)serialisation
and headers. The service's link to the broker and the outbox's publisher over it are in
`ent_kit.broker_link`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

import msgspec
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from ent_contracts import Envelope
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider

from ent_kit.logging import get_logger

log = get_logger("ent.broker")

# How long the relay waits for the broker (to come back, then to acknowledge a batch)
# before its publish fails and is tried again: never forever. aiokafka drops what it still
# holds after as long (its request timeout is also its batches' time to live): a batch
# kept through an outage and sent to a restarted Tansu makes the next produce requests
# on those partitions fail (UnknownError, measured), so better dropped and re-published.
PUBLISH_TIMEOUT_S = 15.0
# A consumer learns of a topic created again (the embedded broker forgets its topics when
# it restarts) at its next metadata refresh: every 10 s instead of aiokafka's 5 min.
METADATA_MAX_AGE_MS = 10_000

encode_envelope = msgspec.json.Encoder().encode
decode_envelope = msgspec.json.Decoder(Envelope).decode


class _KafkaBroker(KafkaBroker):
    """FastStream's broker, whose consumers join their groups together: FastStream starts
    them one after another, and each waits for its group's first assignment (5 s on Tansu,
    at least 3 s on Kafka), so a service with three consumer groups took 15 s to connect."""

    async def start(self) -> None:
        await self.connect()
        # Not a TaskGroup: in Python 3.11 one that fails leaves its caller's task cancelled
        # (the link's own task, which would end for good at its next timeout).
        joins = [asyncio.ensure_future(subscriber.start()) for subscriber in self.subscribers]
        try:
            await asyncio.gather(*joins)
        except BaseException:
            for join in joins:
                join.cancel()
            await asyncio.gather(*joins, return_exceptions=True)
            raise
        for publisher in self.publishers:
            await publisher.start()
        self.running = True


def make_broker(bootstrap: str, *, client_id: str, idempotence: bool) -> KafkaBroker:
    """No broker-wide telemetry middleware: it would add two spans to every published
    event (a third of the relay's throughput, measured). The relay writes the W3C trace
    context into the headers itself; consumers get FastStream's telemetry through
    `consumer_router`."""
    return _KafkaBroker(
        bootstrap,
        client_id=client_id,
        # Tansu rejects idempotent producers; with real Kafka they prevent duplicates on retry.
        enable_idempotence=idempotence,
        acks="all",
        linger_ms=5,
        request_timeout_ms=int(PUBLISH_TIMEOUT_S * 1000),
        metadata_max_age_ms=METADATA_MAX_AGE_MS,
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


async def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    partitions: int,
    *,
    replication_factor: int = 1,
    retention_ms: int | None = None,
) -> list[str]:
    """Create the topics missing from the broker; returns their names (raises when the
    broker cannot be reached). Existing topics keep their settings: changing them is an
    operator's act, not a side effect of a deployment."""
    config = {} if retention_ms is None else {"retention.ms": str(retention_ms)}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="ent-admin")
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(t, partitions, replication_factor, topic_configs=config)
            for t in topics
            if t not in existing
        ]
        if wanted:
            # Another service may create it between our list and our create.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
        return [t.name for t in wanted]
    finally:
        await admin.close()
