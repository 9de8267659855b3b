"""What a running service holds: its settings, stores, broker and background followers.

Created before the HTTP app, connected in the app's lifespan, so handlers and
dependencies see one object whose parts are all live while requests are served.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from ent_contracts import topics as contract_topics
from faststream.kafka import KafkaBroker
from litestar.di import Provide
from litestar.types import ControllerRouterHandler
from opentelemetry.sdk.trace import TracerProvider

from ent_kit import metrics
from ent_kit.blobs import BlobStore, open_blob_store
from ent_kit.broker_link import BrokerLink, KafkaEventPublisher
from ent_kit.kafka_projection import KafkaProjection, Received, dead_letter_topic
from ent_kit.lease import Lease
from ent_kit.logging import get_logger
from ent_kit.messaging import consumer_router, ensure_topics, make_broker
from ent_kit.operations import prune_markers
from ent_kit.outbox import OutboxRelay, read_checkpoint
from ent_kit.parking import ParkedEvent, PoisonPolicy, parked_count
from ent_kit.periodic import Periodic as Periodic  # services declare their jobs from here
from ent_kit.periodic import Repeating
from ent_kit.pipeline import LeasedPipeline
from ent_kit.projections import PROCESSED, LocalProjector, Projection
from ent_kit.sessions import PROJECTION_NAME, SessionsProjection, StoredSessions
from ent_kit.settings import ServiceSettings
from ent_kit.signal import AppendSignal, LogWatch
from ent_kit.storage import Storage, open_storage

log = get_logger("ent.runtime")

# The relay and the local projectors wake at once for this process's appends; appends by
# another replica (on the lease holder's behalf) are noticed by one read of the log's head
# this often (`LogWatch`), for all of them.
LOG_WATCH_S = 0.1
FOLLOW_POLL_S = 5.0  # and each drains at least this often, whatever woke it or not
FOLLOW_RETRY_S = 1.0  # pause after a failed drain (broker down, lease lost)
# How long a starting service waits for a reachable broker before it goes on without it.
BROKER_HEAD_START_S = 1.0
# Kafka keeps records a week unless told otherwise (log.retention.hours = 168).
KAFKA_DEFAULT_RETENTION = timedelta(days=7)
MARKER_PRUNE_INTERVAL_S = 3600.0


def provide(build: Callable[[], object]) -> Provide:
    """A controller dependency built on each request (commands and queries are cheap, and
    the store and blobs they hold open only once the service has started)."""
    return Provide(build, sync_to_thread=False)


@dataclass(frozen=True)
class Subscription:
    """Keep `projection` up to date from another service's `topic`."""

    topic: str
    projection: Projection


@dataclass(frozen=True, kw_only=True)
class ServiceDefinition:
    """Everything that differs between services; the kit does the rest the same way."""

    name: str
    settings_type: type[ServiceSettings] = ServiceSettings
    controllers: Sequence[ControllerRouterHandler] = ()
    dependencies: Callable[[Runtime], Mapping[str, Provide]] = lambda _: {}
    topics: Sequence[str] = ()  # topics this service publishes to
    local_projections: Sequence[Projection] = ()
    subscriptions: Sequence[Subscription] = ()
    uses_storage: bool = True
    uses_broker: bool = True
    uses_blobs: bool = True
    on_start: Callable[[Runtime], Awaitable[None]] | None = None
    periodic: Sequence[Periodic] = ()
    public_paths: Sequence[str] = ()

    def __post_init__(self) -> None:
        """Every service with a store keeps the session versions its token check reads
        (`ent_kit.sessions`): the directory from its own log, the others from its topic.
        Here, not in the runtime, so that the operators' tools see it too."""
        if self.keeps_sessions or not self.uses_storage:
            return
        if contract_topics.DIRECTORY in self.topics:
            local = [*self.local_projections, SessionsProjection()]
            object.__setattr__(self, "local_projections", local)
        elif self.uses_broker:
            feed = Subscription(contract_topics.DIRECTORY, SessionsProjection())
            object.__setattr__(self, "subscriptions", [*self.subscriptions, feed])

    @property
    def keeps_sessions(self) -> bool:
        every = [*self.local_projections, *(sub.projection for sub in self.subscriptions)]
        return any(p.name == PROJECTION_NAME for p in every)


class Runtime:
    def __init__(
        self,
        definition: ServiceDefinition,
        settings: ServiceSettings,
        tracer_provider: TracerProvider,
    ) -> None:
        self.definition = definition
        self.settings = settings
        self.tracer_provider = tracer_provider
        self.signal = AppendSignal()
        self.projectors: dict[str, LocalProjector] = {}
        self._storage: Storage | None = None
        self._blobs: BlobStore | None = None
        self._link: BrokerLink | None = None  # the broker, connected in the background
        self._relay: OutboxRelay | None = None
        self._pipeline: LeasedPipeline | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closers: list[Callable[[], Awaitable[None]]] = []
        # The token check's session gate; None without a store (the gateway forwards tokens).
        self.sessions: StoredSessions | None = None
        if definition.uses_storage and definition.keeps_sessions:
            self.sessions = StoredSessions(lambda: self.storage.documents)

    def close_on_stop(self, close: Callable[[], Awaitable[None]]) -> None:
        """Register a service-specific resource (e.g. an HTTP client) to close at shutdown."""
        self._closers.append(close)

    @property
    def storage(self) -> Storage:
        assert self._storage is not None, "storage not opened (service not started)"
        return self._storage

    @property
    def blobs(self) -> BlobStore:
        assert self._blobs is not None, "blob store not opened (service not started)"
        return self._blobs

    @property
    def broker(self) -> KafkaBroker:
        broker = self._link.broker if self._link else None
        assert broker is not None, "broker not connected (yet)"
        return broker

    @property
    def broker_connected(self) -> bool | None:
        """Whether the broker answers now (None: the service uses no broker)."""
        return self._link.connected if self._link else None

    @property
    def pipeline(self) -> LeasedPipeline:
        """Runs the relay and the local projectors on one replica: the lease holder's."""
        if self._pipeline is None:
            lease = Lease(self.storage.documents, "pipeline", ttl_s=self.settings.lease_ttl_s)
            self._pipeline = LeasedPipeline(lease)
        return self._pipeline

    async def start(self) -> None:
        d, s = self.definition, self.settings
        if d.uses_storage:
            self._storage = await open_storage(s.store_url, service_name=d.name)
            if d.subscriptions:  # markers are pruned by age
                await self._storage.documents.ensure_index(PROCESSED, ["at"])
        if d.uses_blobs:
            self._blobs = open_blob_store(
                s.blob_url, access_key=s.s3_access_key, secret_key=s.s3_secret_key
            )
        for projection in d.local_projections:
            projector = LocalProjector(
                self.storage,
                projection,
                self.signal,
                poll_interval=FOLLOW_POLL_S,
                retry_interval=FOLLOW_RETRY_S,
                guard=self.pipeline.guard,
                policy=self.poison_policy,
            )
            self.projectors[projection.name] = projector
            self.pipeline.add(f"projector:{projection.name}", projector)
        if d.uses_broker:
            await self._start_broker()
        if self.projectors or self._relay is not None:
            watch = LogWatch(self.storage.events.last_position, self.signal, LOG_WATCH_S)
            self.pipeline.add("log-watch", watch)
        if d.on_start:
            await d.on_start(self)
        for job in [*d.periodic, *self._kit_jobs()]:
            if d.uses_storage:
                self.pipeline.add(f"periodic:{job.name}", Repeating(job, self))
            else:
                self._spawn(Repeating(job, self).run(), f"periodic:{job.name}")
        if s.metrics_port:
            metrics.serve(s.metrics_port, s.http_host)
        self._spawn(self._sample_metrics(), "metrics")
        log.info("service started", port=s.http_port)

    @property
    def poison_policy(self) -> PoisonPolicy:
        s = self.settings
        return PoisonPolicy(attempts=s.poison_attempts, first_pause_s=s.poison_first_pause_s)

    def _kit_jobs(self) -> list[Periodic]:
        """Forget "already handled" markers once the broker can no longer redeliver them."""
        if not (self.definition.uses_storage and self.definition.subscriptions):
            return []
        retention_ms = self.settings.kafka_retention_ms
        if retention_ms == -1:
            return []  # topics kept forever: so are the markers
        kept = KAFKA_DEFAULT_RETENTION if retention_ms is None else timedelta(0, 0, 0, retention_ms)

        async def prune(runtime: Runtime) -> int:
            return await prune_markers(runtime.storage, kept)

        return [Periodic("prune-markers", prune, lambda _: MARKER_PRUNE_INTERVAL_S)]

    async def _sample_metrics(self) -> None:
        while True:
            try:
                metrics.record(self.definition.name, await self._pipeline_sample())
            except Exception:
                log.warning("metrics sample failed", exc_info=True)
            await asyncio.sleep(metrics.SAMPLE_INTERVAL_S)

    async def _pipeline_sample(self) -> metrics.PipelineSample:
        d = self.definition
        if not d.uses_storage:
            return metrics.PipelineSample(
                last_position=0,
                outbox_position=None,
                projection_positions={},
                broker_connected=self.broker_connected,
                lease_held=None,
            )
        storage = self.storage
        positions = {
            name: await read_checkpoint(storage, f"projection:{name}") for name in self.projectors
        }
        leads = bool(d.topics or d.local_projections)
        return metrics.PipelineSample(
            last_position=await storage.events.last_position(),
            outbox_position=await read_checkpoint(storage, "outbox") if d.topics else None,
            projection_positions=positions,
            broker_connected=self.broker_connected,
            lease_held=self.pipeline.running if leads else None,
            parked=await parked_count(storage.documents),
        )

    async def _start_broker(self) -> None:
        """The service does not need the broker to start or to take commands: the link
        connects in the background (topics, producer, then the consumers of `subscriptions`)
        and the relay publishes once it is up. A broker already there is given a moment,
        so that a normal start reports ready with its consumers attached."""
        d, s = self.definition, self.settings
        consumed = {sub.topic for sub in d.subscriptions}
        topics = {*d.topics, *consumed, *map(dead_letter_topic, consumed)}
        self._link = BrokerLink(
            s.kafka_bootstrap,
            build=self._build_broker,
            ensure_topics=lambda: ensure_topics(
                s.kafka_bootstrap,
                topics,
                s.kafka_partitions,
                replication_factor=s.kafka_replication_factor,
                retention_ms=s.kafka_retention_ms,
            ),
        )
        self._spawn(self._link.run(), "broker")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._link.wait_connected(), BROKER_HEAD_START_S)
        if d.topics:
            self._relay = OutboxRelay(
                self.storage,
                KafkaEventPublisher(self._link),
                self.signal,
                poll_interval=FOLLOW_POLL_S,
                retry_interval=FOLLOW_RETRY_S,
                guard=self.pipeline.guard,
            )
            self.pipeline.add("outbox", self._relay)  # runs while this replica holds the lease

    def _build_broker(self) -> KafkaBroker:
        """A fresh broker for each connection attempt, with this service's consumers."""
        d, s = self.definition, self.settings
        broker = make_broker(
            s.kafka_bootstrap, client_id=f"ent-{d.name}", idempotence=s.kafka_idempotence
        )
        router = consumer_router(self.tracer_provider)
        for sub in d.subscriptions:
            KafkaProjection(
                self.storage,
                sub.projection,
                policy=self.poison_policy,
                dead_letters=partial(_dead_letter, broker),
            ).subscribe(router, sub.topic, group_id=f"ent-{d.name}-{sub.projection.name}")
        broker.include_router(router)
        return broker

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(work, name=name))

    async def stop(self) -> None:
        """Called after the HTTP server drained in-flight requests: flush, then close."""
        for close in reversed(self._closers):
            await close()
        if self._pipeline:
            await self._pipeline.stop_followers()  # the lease stays ours for the flush
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        # Only the lease holder flushes: another replica's relay publishes what is left.
        if self._relay and self._pipeline and self._pipeline.lease.held:
            try:
                grace = self.settings.shutdown_grace_s
                flushed = await asyncio.wait_for(self._relay.drain(), grace)
                log.info("outbox flushed", events=flushed)
            except Exception:
                log.exception("outbox not flushed; it resumes from its checkpoint on restart")
        if self._pipeline:
            await self._pipeline.close()  # releases the lease: a peer takes over at once
        if self._link:
            await self._link.close()
        if self._blobs:
            await self._blobs.close()
        if self._storage:
            await self._storage.close()
        self.tracer_provider.shutdown()

    async def readiness(self) -> dict[str, str]:
        """What the request path needs (store, blobs): any of them failing makes the
        service not ready. The broker is not among them (see `non_blocking_checks`)."""
        checks: dict[str, Callable[[], Awaitable[Any]]] = {}
        if self._storage:
            checks["store"] = self._storage.ping
        if self._blobs:
            checks["blobs"] = self._blobs.ping
        results = await asyncio.gather(*(_check(c) for c in checks.values()))
        return dict(zip(checks, results, strict=True))

    def non_blocking_checks(self) -> dict[str, str]:
        """Reported next to readiness, never failing it: commands are accepted while the
        broker is away (the outbox keeps their events until it is back)."""
        return {"broker": self._link.status} if self._link else {}


async def _dead_letter(broker: KafkaBroker, received: Received, parked: ParkedEvent) -> None:
    """The record as received, on `<topic>.dlq`, with why it was parked in its headers."""
    await broker.publish(
        received.record(),
        dead_letter_topic(received.topic),
        key=received.key,
        headers={
            "ent-projection": parked.projection,
            "ent-event-id": parked.event_id,
            "ent-error": parked.error[:500],
        },
    )


async def _check(probe: Callable[[], Awaitable[Any]]) -> str:
    try:
        await asyncio.wait_for(probe(), 3.0)
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}: {exc}"[:200]
    return "ok"
