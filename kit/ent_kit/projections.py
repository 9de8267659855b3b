"""Read models kept up to date from events, exactly once in effect.

Two feeds, one handler shape:
- `LocalProjector` follows the service's own event log; its checkpoint is written in the
  same transaction as the projection's updates, compared and set (a replica that raced
  another writes nothing), with the replica's lease verified there too (`guard`). Commands
  wait for it with `caught_up`: on the replica that runs it, woken in memory; on the
  others, by polling the checkpoint the runner writes.
- `KafkaProjection` (`ent_kit.kafka_projection`) consumes another service's topic, with
  the same `Projection`s and the helpers below.

A batch that fails is applied again event by event; an event that keeps failing is parked
(`ent_kit.parking`) and the others go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol

from ent_contracts import DomainEvent, Envelope, UnknownEvent, decode_payload
from opentelemetry.trace import SpanKind

from ent_kit.lease import Guard, LeaseLost
from ent_kit.logging import get_logger
from ent_kit.messaging import decode_envelope, encode_envelope
from ent_kit.outbox import CheckpointMoved, advance_checkpoint, read_checkpoint
from ent_kit.parking import (
    PARKED,
    ParkedEvent,
    PoisonPolicy,
    attempt,
    describe,
    now,
    park,
)
from ent_kit.signal import AppendSignal, follow
from ent_kit.storage import DocumentWriter, Storage, StoredEvent
from ent_kit.telemetry import continued_trace, tracer

PROCESSED = "_processed"
# How often a replica that does not run a projector reads its checkpoint while a command
# waits for it (read-your-writes on any replica).
CHECKPOINT_POLL_S = 0.025
log = get_logger("ent.projections")


class Projection(Protocol):
    """Turns events into read-model documents. Pure with respect to I/O other than `tx`.
    `collections` are the ones it alone writes: a rebuild empties them first."""

    name: str

    @property
    def collections(self) -> Sequence[str]: ...

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None: ...


def handled_types(projection: Projection) -> frozenset[str] | None:
    """The event types a projection says it applies (`handles`), None when it takes all.
    A consumer of a busy topic that needs two rare types of it skips the others without
    decoding them or writing a handled marker for each."""
    handles: frozenset[str] | None = getattr(projection, "handles", None)
    return handles


def known_event(envelope: Envelope, projection: Projection) -> DomainEvent | None:
    try:
        return decode_payload(envelope)
    except UnknownEvent:
        # A newer producer's event type: skip it, unmarked, so a replay after upgrading
        # applies it.
        log.info("event type not known here", type=envelope.type, projection=projection.name)
        return None


async def apply_traced(
    projection: Projection, tx: DocumentWriter, envelope: Envelope, event: DomainEvent
) -> None:
    with (
        continued_trace(envelope.trace),
        tracer().start_as_current_span(
            f"{projection.name} {envelope.type}",
            kind=SpanKind.CONSUMER,
            attributes={"ent.event_id": envelope.event_id},
        ),
    ):
        await projection.apply(tx, envelope, event)


class LocalProjector:
    def __init__(
        self,
        storage: Storage,
        projection: Projection,
        signal: AppendSignal,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        retry_interval: float | None = None,
        guard: Guard | None = None,
        policy: PoisonPolicy | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self._storage = storage
        self._projection = projection
        self._signal = signal
        self._policy = policy or PoisonPolicy()
        self._on_progress = on_progress  # told each position reached (an operator's bar)
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._retry_interval = retry_interval
        self._guard = guard
        self._checkpoint_name = f"projection:{projection.name}"
        self._position = 0  # applied and committed up to here (a lower bound of the stored)
        self._loaded = False  # _position read from the stored checkpoint since the last run
        self._running = False  # run() is following the log here (the lease holder's)
        self._advanced = asyncio.Condition()
        self._stopping = asyncio.Event()
        self._stored = 0  # last checkpoint read by a waiting command, and when
        self._stored_at = -1.0
        self._stored_lock = asyncio.Lock()

    async def run(self) -> None:
        """Follow the log until stopped. Can run again after a stop (a replica that gets
        the lease back); each run starts from the stored checkpoint, which another replica
        may have moved meanwhile."""
        self._loaded = False
        await self._set_running(True)
        try:
            await follow(
                self.drain,
                self._signal,
                self._stopping,
                poll_interval=self._poll_interval,
                retry_interval=self._retry_interval,
                name=self._checkpoint_name,
            )
        finally:
            self._stopping = asyncio.Event()  # a stop() seen; the next run() starts afresh
            self._running = False
            await asyncio.shield(self._set_running(False))

    async def drain(self) -> None:
        if not self._loaded:
            await self._advance_to(await read_checkpoint(self._storage, self._checkpoint_name))
            self._loaded = True
        while batch := await self._storage.events.read_all(self._position, self._batch_size):
            try:
                await self._apply_batch(batch, self._position)
            except CheckpointMoved as moved:
                # Another replica applied these first: nothing of ours was written.
                log.warning("projection checkpoint moved by another projector", error=str(moved))
                await self._advance_to(moved.actual, force=True)
                continue
            except LeaseLost:
                raise
            except Exception as exc:
                log.warning("projection batch failed; event by event now", error=describe(exc))
                await self._apply_one_by_one(batch)
                continue
            await self._advance_to(batch[-1].position)

    async def _apply_one_by_one(self, batch: Sequence[StoredEvent]) -> None:
        """Each event in its own transaction, tried again and again; the one that still
        fails is parked with the checkpoint moved past it, and the rest are applied."""
        for stored in batch:
            after = self._position
            outcome = await attempt(
                partial(self._apply_batch, [stored], after),
                self._policy,
                not_poison=NOT_POISON,
                what=stored.envelope.event_id,
            )
            if isinstance(outcome, BaseException):
                await self._park(stored, after, outcome)
            await self._advance_to(stored.position)

    async def _park(self, stored: StoredEvent, after: int, error: BaseException) -> None:
        envelope = stored.envelope
        parked = ParkedEvent(
            projection=self._projection.name,
            source="log",
            event_id=envelope.event_id,
            type=envelope.type,
            record=encode_envelope(envelope).decode(),
            error=describe(error),
            attempts=self._policy.attempts,
            parked_at=now(),
            position=stored.position,
        )
        async with self._storage.documents.transaction() as tx:
            if self._guard is not None:
                await self._guard(tx)
            await advance_checkpoint(tx, self._checkpoint_name, after, stored.position)
            await park(tx, parked)

    async def caught_up(self, position: int, timeout: float = 30.0) -> None:
        """Wait until events up to `position` are visible in the read model (read-your-writes),
        whichever replica projects them. The default outlasts a lease's TTL, so a command
        waits through a takeover rather than failing."""
        async with asyncio.timeout(timeout):
            while self._position < position:
                if self._running:
                    await self._wait_in_memory(position)
                elif await self._stored_position() < position:
                    await asyncio.sleep(CHECKPOINT_POLL_S)
                else:
                    return

    async def applied(self) -> int:
        """Up to where the read model is known applied: in memory where this replica runs
        the projector, else the stored checkpoint (read at most every CHECKPOINT_POLL_S)."""
        if self._running:
            return self._position
        return max(self._position, await self._stored_position())

    async def stop(self) -> None:
        self._stopping.set()
        self._signal.notify()

    async def _wait_in_memory(self, position: int) -> None:
        """Woken by our own drain; also when the run ends (the lease lost), to poll instead."""
        async with self._advanced:
            await self._advanced.wait_for(lambda: self._position >= position or not self._running)

    async def _stored_position(self) -> int:
        """The stored checkpoint, read at most once per CHECKPOINT_POLL_S however many
        commands wait."""
        async with self._stored_lock:
            loop = asyncio.get_running_loop()
            if loop.time() - self._stored_at >= CHECKPOINT_POLL_S:
                self._stored = await read_checkpoint(self._storage, self._checkpoint_name)
                self._stored_at = loop.time()
            return self._stored

    async def _advance_to(self, position: int, *, force: bool = False) -> None:
        async with self._advanced:
            self._position = position if force else max(self._position, position)
            self._advanced.notify_all()
        if self._on_progress is not None:
            self._on_progress(self._position)

    async def _set_running(self, running: bool) -> None:
        async with self._advanced:
            self._running = running
            self._advanced.notify_all()

    async def _apply_batch(self, batch: Sequence[StoredEvent], after: int) -> None:
        async with self._storage.documents.transaction() as tx:
            # Both checked as the batch commits (`expect`): one step on SQLite; a replica
            # that may not write applies the batch in memory, and nothing of it is kept.
            if self._guard is not None:
                await self._guard(tx)
            await advance_checkpoint(tx, self._checkpoint_name, after, batch[-1].position)
            for stored in batch:
                event = known_event(stored.envelope, self._projection)
                if event is not None:
                    await apply_traced(self._projection, tx, stored.envelope, event)


async def apply_alone(storage: Storage, projection: Projection, parked: ParkedEvent) -> None:
    """Apply a parked event again and take it off the parked list, in one transaction;
    raises (and it stays parked) if it fails again."""
    envelope = decode_envelope(parked.record_bytes())
    event = known_event(envelope, projection)
    if event is None:
        raise UnknownEvent(f"{envelope.type} v{envelope.schema_version} is not known here")
    async with storage.documents.transaction() as tx:
        if await tx.get(PARKED, parked.key) is None:
            return  # applied by another retry meanwhile
        await apply_traced(projection, tx, envelope, event)
        await tx.delete(PARKED, parked.key)


NOT_POISON: tuple[type[BaseException], ...] = (LeaseLost, CheckpointMoved, ConnectionError)
