"""The service's link to Kafka, kept in the background (`BrokerLink`), and the outbox's
publisher over it (`KafkaEventPublisher`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from ent_contracts.registry import payload_class
from faststream.kafka import KafkaBroker

from ent_kit.logging import get_logger
from ent_kit.messaging import PUBLISH_TIMEOUT_S, encode_envelope, event_headers
from ent_kit.storage import StoredEvent

log = get_logger("ent.broker")


class BrokerUnavailable(ConnectionError):
    """The broker did not take a batch within the publish timeout: publish it again later."""


class KafkaEventPublisher:
    """Outbox publisher: one topic per event family, key = aggregate id, trace continued.

    Given a `BrokerLink`, it waits for the link to be connected; either way a publish that
    the broker does not acknowledge within `timeout_s` fails (BrokerUnavailable) instead of
    hanging, and the relay tries again. What aiokafka had already sent may have been
    written: the retry then duplicates it, which consumers dedupe by event id."""

    def __init__(
        self, broker: KafkaBroker | BrokerLink, *, timeout_s: float = PUBLISH_TIMEOUT_S
    ) -> None:
        self._broker = broker
        self._timeout_s = timeout_s

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._publish(events)
        except TimeoutError as exc:
            raise BrokerUnavailable(
                f"no acknowledgement from the broker within {self._timeout_s:g} s"
                f" ({self._broker_state()})"
            ) from exc

    def _broker_state(self) -> str:
        return self._broker.status if isinstance(self._broker, BrokerLink) else "connected"

    async def _publish(self, events: Sequence[StoredEvent]) -> None:
        link = self._broker if isinstance(self._broker, BrokerLink) else None
        broker = await link.wait_connected() if link else self._broker
        assert isinstance(broker, KafkaBroker)
        try:
            await self._send(broker, events)
        except Exception as exc:
            if link is not None and link.broker is not broker:  # retired under the publish
                raise BrokerUnavailable(f"broker clients replaced ({link.status})") from exc
            raise

    @staticmethod
    async def _send(broker: KafkaBroker, events: Sequence[StoredEvent]) -> None:
        pending = []
        for stored in events:
            envelope = stored.envelope
            pending.append(
                await broker.publish(
                    encode_envelope(envelope),
                    payload_class(envelope.type, envelope.schema_version).topic,
                    key=envelope.aggregate_id.encode(),
                    headers=event_headers(envelope),
                    # The event's id, rather than a fresh uuid4 per message (a syscall
                    # each: a twentieth of the relay's loop time).
                    correlation_id=envelope.event_id,
                    no_confirm=True,
                )
            )
        # aiokafka keeps one in-flight batch per partition, so order per key holds.
        await asyncio.gather(*pending)


class BrokerLink:
    """The service's connection to Kafka, made and watched in the background, so that the
    service starts and serves commands while the broker is away (events wait in the outbox).

    - Connecting: `ensure_topics`, then a fresh broker from `build` (producer and the
      service's consumers) is started; on failure, again after a backoff (doubling up to
      `max_backoff_s`).
    - Connected: `ensure_topics` every `check_interval_s` is the probe. A failing probe marks
      the link down (one log line); the first one that passes again marks it up (one line)
      and has re-created the topics a restarted broker may have forgotten (the embedded
      broker keeps them in memory).
    - The clients (producer, consumers) are stopped when the link goes down, and fresh ones
      started when it comes up. aiokafka's would reconnect by themselves, but its consumers
      keep their fetch positions through a long outage (measured: 12 s and more, aiokafka
      0.14), and a broker that came back empty would serve them only what was published
      past those positions. Fresh consumers start from their groups' committed offsets, or
      from the earliest when the broker forgot them; projections dedupe what they read
      again.
    - While the link is down, aiokafka's own connection errors (several lines a second per
      client) are not logged: the link's one line says it.
    """

    def __init__(
        self,
        bootstrap: str,
        *,
        build: Callable[[], KafkaBroker],
        ensure_topics: Callable[[], Awaitable[Sequence[str]]],
        check_interval_s: float = 2.0,
        timeout_s: float = 10.0,
        start_timeout_s: float = 60.0,
        first_backoff_s: float = 0.5,
        max_backoff_s: float = 3.0,
    ) -> None:
        self.bootstrap = bootstrap
        self._build = build
        self._ensure_topics = ensure_topics
        self._check_interval_s = check_interval_s
        self._timeout_s = timeout_s
        # Starting the consumers waits for their group assignments: seconds each.
        self._start_timeout_s = start_timeout_s
        self._first_backoff_s = first_backoff_s
        self._max_backoff_s = max_backoff_s
        self._broker: KafkaBroker | None = None
        self._connected = asyncio.Event()
        self._problem = "not connected yet"
        self._down_since = time.monotonic()
        self._ever_connected = False
        self._down_logged = False
        self._stopping = asyncio.Event()
        self._retiring: set[asyncio.Task[None]] = set()  # clients being stopped

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def status(self) -> str:
        """`ok`, or `unavailable: <why>` (as readiness checks say it)."""
        return "ok" if self.connected else f"unavailable: {self._problem}"[:200]

    @property
    def broker(self) -> KafkaBroker | None:
        """The started FastStream broker (None until the first connection)."""
        return self._broker

    async def wait_connected(self) -> KafkaBroker:
        """The broker once connected; BrokerUnavailable if the link stops watching first
        (shutdown: nobody would connect it any more)."""
        if not self._connected.is_set():
            waits = [
                asyncio.ensure_future(self._connected.wait()),
                asyncio.ensure_future(self._stopping.wait()),
            ]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
            if not self._connected.is_set():
                raise BrokerUnavailable(f"broker link closed; {self.status}")
        assert self._broker is not None
        return self._broker

    async def run(self) -> None:
        """Connect, then watch, until `close()` (or until cancelled)."""
        backoff = self._first_backoff_s
        try:
            while not self._stopping.is_set():
                if await self._attempt():
                    backoff, pause = self._first_backoff_s, self._check_interval_s
                else:
                    pause, backoff = backoff, min(backoff * 2, self._max_backoff_s)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), pause)
        finally:
            self._stopping.set()

    async def close(self, timeout_s: float = 5.0) -> None:
        """Stop watching and stop the broker (bounded: consumers leaving their group must
        not hold a shutdown when the broker is gone)."""
        self._stopping.set()
        self._connected.clear()
        _CLIENT_LOGS.unmute(self)
        self._retire_broker()
        if self._retiring:
            _, late = await asyncio.wait(self._retiring, timeout=timeout_s)
            for task in late:  # none may outlive the service's storage
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _attempt(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout_s):
                created = await self._ensure_topics()
            if created and self._broker is not None:
                # Restarted between two probes, its topics forgotten: fresh clients (see
                # the class docstring); publishers wait for them.
                self._down(ConnectionResetError(f"topics created again: {created}"))
                self._retire_broker()
            if self._broker is None:
                await self._retired()
                async with asyncio.timeout(self._start_timeout_s):
                    self._broker = await self._start_broker()
        except Exception as exc:
            self._down(exc)
            self._retire_broker()  # see the class docstring
            return False
        self._up(created)
        return True

    async def _start_broker(self) -> KafkaBroker:
        broker = self._build()
        try:
            await broker.start()
        except BaseException:
            await _stop_quietly(broker, self._timeout_s)
            raise
        return broker

    async def _retired(self) -> None:
        """Fresh clients only once the retired ones are gone: an old consumer still
        finishing a batch would otherwise commit its stale offsets beside the new ones."""
        if self._retiring:
            await asyncio.wait(self._retiring, timeout=PUBLISH_TIMEOUT_S + 5.0)

    def _retire_broker(self) -> None:
        """Stopped in the background, and given the time to stop: its producer may hold
        batches the broker never acknowledged, which aiokafka expires only after
        PUBLISH_TIMEOUT_S, and a stop cut short leaves its sender running for good."""
        broker, self._broker = self._broker, None
        if broker is not None:
            task = asyncio.create_task(_stop_quietly(broker, PUBLISH_TIMEOUT_S + 5.0))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    def _down(self, exc: Exception) -> None:
        self._problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if self._connected.is_set():
            self._connected.clear()
            self._down_since = time.monotonic()
            self._down_logged = False
        if not self._down_logged:  # once per outage, not once per attempt
            self._down_logged = True
            _CLIENT_LOGS.mute(self)
            log.warning(
                "broker unavailable; commands are still accepted, events wait in the outbox",
                bootstrap=self.bootstrap,
                error=self._problem,
            )

    def _up(self, created: Sequence[str]) -> None:
        if self._connected.is_set():
            return
        self._connected.set()
        _CLIENT_LOGS.unmute(self)
        if self._ever_connected:
            outage = round(time.monotonic() - self._down_since, 1)
            log.info(
                "broker connected again",
                bootstrap=self.bootstrap,
                after_s=outage,
                topics_created=list(created),
            )
        else:
            log.info("broker connected", bootstrap=self.bootstrap, topics_created=list(created))
        self._ever_connected = True
        self._down_logged = False


class _ClientLogs:
    """aiokafka's log level, raised to CRITICAL while any link of the process is down."""

    def __init__(self) -> None:
        self._down: set[int] = set()
        self._level: int | None = None  # the level to restore

    def mute(self, link: BrokerLink) -> None:
        self._down.add(id(link))
        logger = logging.getLogger("aiokafka")
        if self._level is None:
            self._level = logger.level
            logger.setLevel(logging.CRITICAL)

    def unmute(self, link: BrokerLink) -> None:
        self._down.discard(id(link))
        if not self._down and self._level is not None:
            logging.getLogger("aiokafka").setLevel(self._level)
            self._level = None


_CLIENT_LOGS = _ClientLogs()


async def _stop_quietly(broker: KafkaBroker, timeout_s: float) -> None:
    try:
        await asyncio.wait_for(broker.stop(), timeout_s)
    except Exception as exc:
        log.warning("broker client not stopped cleanly", error=f"{type(exc).__name__}: {exc}")
