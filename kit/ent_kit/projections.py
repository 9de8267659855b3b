"""Read models kept up to date from events, exactly once in effect.

Two feeds, one handler shape:
- `LocalProjector` follows the service's own event log; its checkpoint is written in the
  same transaction as the projection's updates.
- `KafkaProjection` consumes another service's topic; each event id is recorded as handled
  in the same transaction as the updates, so a redelivered event changes nothing. Offsets
  are committed only after that transaction succeeds (NACK_ON_ERROR: a failure rewinds
  the partition; FastStream's ACK policy would commit even on error, ACK_FIRST before).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from ent_contracts import DomainEvent, Envelope, UnknownEvent, decode_payload
from faststream import AckPolicy
from faststream.kafka import KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from opentelemetry.trace import SpanKind

from ent_kit.logging import get_logger
from ent_kit.messaging import decode_envelope
from ent_kit.outbox import CHECKPOINTS, read_checkpoint
from ent_kit.signal import AppendSignal, follow
from ent_kit.storage import DocumentWriter, Storage, StoredEvent
from ent_kit.telemetry import continued_trace, tracer

PROCESSED = "_processed"
log = get_logger("ent.projections")


class Projection(Protocol):
    """Turns events into read-model documents. Pure with respect to I/O other than `tx`."""

    name: str

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None: ...


def _known(envelope: Envelope, projection: Projection) -> DomainEvent | None:
    try:
        return decode_payload(envelope)
    except UnknownEvent:
        # A newer producer's event type: skip it, unmarked, so a replay after upgrading
        # applies it.
        log.info("event type not known here", type=envelope.type, projection=projection.name)
        return None


async def _apply_traced(
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
    ) -> None:
        self._storage = storage
        self._projection = projection
        self._signal = signal
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._checkpoint_name = f"projection:{projection.name}"
        self._position: int | None = None  # loaded from the checkpoint on first use
        self._advanced = asyncio.Condition()
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        await follow(
            self.drain,
            self._signal,
            self._stopping,
            poll_interval=self._poll_interval,
            name=self._checkpoint_name,
        )

    async def drain(self) -> None:
        if self._position is None:
            self._position = await read_checkpoint(self._storage, self._checkpoint_name)
        while batch := await self._storage.events.read_all(self._position, self._batch_size):
            await self._apply_batch(batch)
            async with self._advanced:
                self._position = batch[-1].position
                self._advanced.notify_all()

    async def caught_up(self, position: int, timeout: float = 10.0) -> None:
        """Wait until events up to `position` are visible in the read model (read-your-writes)."""
        async with self._advanced:
            await asyncio.wait_for(
                self._advanced.wait_for(lambda: (self._position or 0) >= position), timeout
            )

    async def stop(self) -> None:
        self._stopping.set()
        self._signal.notify()

    async def _apply_batch(self, batch: Sequence[StoredEvent]) -> None:
        async with self._storage.documents.transaction() as tx:
            for stored in batch:
                event = _known(stored.envelope, self._projection)
                if event is not None:
                    await _apply_traced(self._projection, tx, stored.envelope, event)
            await tx.put(CHECKPOINTS, self._checkpoint_name, {"position": batch[-1].position})


def _undecoded(message: StreamMessage[Any]) -> Any:
    """Envelopes are decoded once, by msgspec, from the raw records: skip FastStream's
    generic JSON decoding of every body."""
    return message.body


class KafkaProjection:
    def __init__(self, storage: Storage, projection: Projection) -> None:
        self._storage = storage
        self._projection = projection

    async def handle(self, envelopes: Iterable[Envelope]) -> int:
        """Apply a batch in one transaction; returns how many events were new."""
        batch = list(envelopes)
        markers = [f"{self._projection.name}:{e.event_id}" for e in batch]
        handled_at = datetime.now(UTC).isoformat()
        applied = 0
        async with self._storage.documents.transaction() as tx:
            handled = await tx.existing(PROCESSED, markers)  # one query for the whole batch
            for envelope, marker in zip(batch, markers, strict=True):
                event = _known(envelope, self._projection)
                if event is None or marker in handled:
                    continue
                handled.add(marker)  # the same event twice in one batch applies once
                await tx.put(PROCESSED, marker, {"at": handled_at})
                await _apply_traced(self._projection, tx, envelope, event)
                applied += 1
        return applied

    def subscribe(self, router: KafkaRouter, topic: str, *, group_id: str) -> None:
        @router.subscriber(
            topic,
            group_id=group_id,
            batch=True,
            max_records=500,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            decoder=_undecoded,
        )
        async def consume(message: KafkaMessage) -> None:
            records = message.raw_message
            records = records if isinstance(records, tuple | list) else (records,)
            await self.handle(decode_envelope(r.value) for r in records)
