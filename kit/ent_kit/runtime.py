"""What a running service holds: its settings, stores, broker and background followers.

Created before the HTTP app, connected in the app's lifespan, so handlers and
dependencies see one object whose parts are all live while requests are served.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from faststream.kafka import KafkaBroker
from litestar.di import Provide
from litestar.types import ControllerRouterHandler
from opentelemetry.sdk.trace import TracerProvider

from ent_kit.blobs import BlobStore, open_blob_store
from ent_kit.logging import get_logger
from ent_kit.messaging import KafkaEventPublisher, consumer_router, ensure_topics, make_broker
from ent_kit.outbox import OutboxRelay
from ent_kit.projections import KafkaProjection, LocalProjector, Projection
from ent_kit.settings import ServiceSettings
from ent_kit.signal import AppendSignal
from ent_kit.storage import Storage, open_storage

log = get_logger("ent.runtime")


def provide(build: Callable[[], object]) -> Provide:
    """A controller dependency built on each request (commands and queries are cheap, and
    the store and blobs they hold open only once the service has started)."""
    return Provide(build, sync_to_thread=False)


@dataclass(frozen=True)
class Subscription:
    """Keep `projection` up to date from another service's `topic`."""

    topic: str
    projection: Projection


@dataclass(frozen=True)
class Periodic:
    """Housekeeping run every `interval_s` while the service is up (e.g. a retention purge).
    A failing run is logged and tried again at the next interval."""

    name: str
    work: Callable[[Runtime], Awaitable[object]]
    interval_s: Callable[[Runtime], float]


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
        self._broker: KafkaBroker | None = None
        self._relay: OutboxRelay | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closers: list[Callable[[], Awaitable[None]]] = []

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
        assert self._broker is not None, "broker not created (service not started)"
        return self._broker

    async def start(self) -> None:
        d, s = self.definition, self.settings
        if d.uses_storage:
            self._storage = await open_storage(s.store_url, service_name=d.name)
        if d.uses_blobs:
            self._blobs = open_blob_store(
                s.blob_url, access_key=s.s3_access_key, secret_key=s.s3_secret_key
            )
        if d.uses_broker:
            await self._start_broker()
        for projection in d.local_projections:
            projector = LocalProjector(self.storage, projection, self.signal)
            self.projectors[projection.name] = projector
            self._spawn(projector.run(), f"projector:{projection.name}")
        if d.on_start:
            await d.on_start(self)
        for job in d.periodic:
            self._spawn(self._repeat(job), f"periodic:{job.name}")
        log.info("service started", port=s.http_port)

    async def _start_broker(self) -> None:
        d, s = self.definition, self.settings
        self._broker = make_broker(
            s.kafka_bootstrap, client_id=f"ent-{d.name}", idempotence=s.kafka_idempotence
        )
        topics = {*d.topics, *(sub.topic for sub in d.subscriptions)}
        await ensure_topics(s.kafka_bootstrap, topics, s.kafka_partitions)
        router = consumer_router(self.tracer_provider)
        for sub in d.subscriptions:
            KafkaProjection(self.storage, sub.projection).subscribe(
                router, sub.topic, group_id=f"ent-{d.name}-{sub.projection.name}"
            )
        self._broker.include_router(router)
        await self._broker.start()
        if d.topics:
            self._relay = OutboxRelay(self.storage, KafkaEventPublisher(self._broker), self.signal)
            self._spawn(self._relay.run(), "outbox")

    async def _repeat(self, job: Periodic) -> None:
        while True:
            await asyncio.sleep(job.interval_s(self))
            try:
                result = await job.work(self)
                log.info("periodic job done", job=job.name, result=result)
            except Exception:
                log.exception("periodic job failed; next try at the next interval", job=job.name)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(work, name=name))

    async def stop(self) -> None:
        """Called after the HTTP server drained in-flight requests: flush, then close."""
        for close in reversed(self._closers):
            await close()
        if self._relay:
            await self._relay.stop()
        for projector in self.projectors.values():
            await projector.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._relay:
            try:
                grace = self.settings.shutdown_grace_s
                flushed = await asyncio.wait_for(self._relay.drain(), grace)
                log.info("outbox flushed", events=flushed)
            except Exception:
                log.exception("outbox not flushed; it resumes from its checkpoint on restart")
        if self._broker:
            await self._broker.stop()
        if self._blobs:
            await self._blobs.close()
        if self._storage:
            await self._storage.close()
        self.tracer_provider.shutdown()

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, Callable[[], Awaitable[Any]]] = {}
        if self._storage:
            checks["store"] = self._storage.ping
        if self._blobs:
            checks["blobs"] = self._blobs.ping
        if self._broker:
            broker = self._broker
            checks["broker"] = lambda: _broker_ping(broker)
        results = await asyncio.gather(*(_check(c) for c in checks.values()))
        return dict(zip(checks, results, strict=True))


async def _broker_ping(broker: KafkaBroker) -> None:
    if not await broker.ping(timeout=2.0):
        raise ConnectionError("broker did not answer")


async def _check(probe: Callable[[], Awaitable[Any]]) -> str:
    try:
        await asyncio.wait_for(probe(), 3.0)
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}: {exc}"[:200]
    return "ok"
