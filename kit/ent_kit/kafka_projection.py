"""Read models kept from another service's topic (`KafkaProjection`), exactly once in effect.

Each event id is recorded as handled in the same transaction as the updates, so a
redelivered event changes nothing. Offsets are committed only after that transaction
succeeds (NACK_ON_ERROR: a failure rewinds the partition; FastStream's ACK policy would
commit even on error). A batch that fails is applied again event by event; an event that
keeps failing, and bytes that are no event at all, are parked (`ent_kit.parking`) and
copied to `<topic>.dlq`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from ent_contracts import Envelope
from faststream import AckPolicy
from faststream.kafka import KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage

from ent_kit.logging import get_logger
from ent_kit.messaging import decode_envelope, encode_envelope
from ent_kit.parking import ParkedEvent, PoisonPolicy, attempt, describe, now, park, record_text
from ent_kit.projections import (
    NOT_POISON,
    PROCESSED,
    Projection,
    apply_traced,
    handled_types,
    known_event,
)
from ent_kit.storage import DocumentWriter, Storage

log = get_logger("ent.projections")


def _undecoded(message: StreamMessage[Any]) -> Any:
    """Envelopes are decoded once, by msgspec, from the raw records: skip FastStream's
    generic JSON decoding of every body."""
    return message.body


@dataclass(frozen=True)
class Received:
    """One record as a consumer got it: the event, or why its bytes are not one."""

    envelope: Envelope | None
    value: bytes | None = None  # as received (None: encode `envelope` again to park it)
    topic: str = ""
    key: bytes | None = None
    where: str = ""  # partition@offset: where the bytes that are not an event lie
    error: str = ""

    @classmethod
    def decode(
        cls, topic: str, value: bytes, key: bytes | None, partition: int, offset: int
    ) -> Received:
        try:
            return cls(decode_envelope(value), value, topic, key)
        except Exception as exc:  # msgspec says what is wrong with it
            return cls(None, value, topic, key, f"{partition}@{offset}", describe(exc))

    def record(self) -> bytes:
        if self.value is not None:
            return self.value
        assert self.envelope is not None
        return encode_envelope(self.envelope)


# Publishes a parked record on its topic's dead-letter topic (`<topic>.dlq`).
DeadLetters = Callable[[Received, ParkedEvent], Awaitable[None]]


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


class KafkaProjection:
    def __init__(
        self,
        storage: Storage,
        projection: Projection,
        *,
        policy: PoisonPolicy | None = None,
        dead_letters: DeadLetters | None = None,
    ) -> None:
        self._storage = storage
        self._projection = projection
        self._policy = policy or PoisonPolicy()
        self._dead_letters = dead_letters

    def marker(self, event_id: str) -> str:
        return f"{self._projection.name}:{event_id}"

    async def handle(self, envelopes: Iterable[Envelope]) -> int:
        """Apply decoded events (see `handle_received`); returns how many were new."""
        return await self.handle_received([Received(e) for e in envelopes])

    async def handle_received(self, batch: Sequence[Received]) -> int:
        """Apply a batch in one transaction; if that fails, event by event, parking those
        that keep failing and the records that are not events at all. Returns how many
        events were new and applied."""
        for bad in (r for r in batch if r.envelope is None):
            await self._park(bad, bad.error, attempts=1)  # decoding again cannot help
        events = [r for r in batch if r.envelope is not None]
        try:
            return await self._apply([r.envelope for r in events if r.envelope])
        except NOT_POISON:
            raise
        except Exception as exc:
            log.warning("consumed batch failed; event by event now", error=describe(exc))
        applied = 0
        for received in events:
            envelope = received.envelope
            assert envelope is not None
            outcome = await attempt(
                partial(self._apply, [envelope]),
                self._policy,
                not_poison=NOT_POISON,
                what=envelope.event_id,
            )
            if isinstance(outcome, BaseException):
                await self._park(received, describe(outcome), attempts=self._policy.attempts)
            else:
                applied += outcome
        return applied

    async def _apply(self, batch: Sequence[Envelope]) -> int:
        if (handles := handled_types(self._projection)) is not None:
            batch = [e for e in batch if e.type in handles]
            if not batch:
                return 0
        markers = [self.marker(e.event_id) for e in batch]
        handled_at = now().isoformat()
        applied = 0
        async with self._storage.documents.transaction() as tx:
            handled = await tx.existing(PROCESSED, markers)  # one query for the whole batch
            for envelope, marker in zip(batch, markers, strict=True):
                event = known_event(envelope, self._projection)
                if event is None or marker in handled:
                    continue
                handled.add(marker)  # the same event twice in one batch applies once
                await self._mark(tx, marker, handled_at)
                await apply_traced(self._projection, tx, envelope, event)
                applied += 1
        return applied

    async def _mark(self, tx: DocumentWriter, marker: str, at: str) -> None:
        await tx.put(PROCESSED, marker, {"at": at, "projection": self._projection.name})

    async def _park(self, received: Received, error: str, *, attempts: int) -> None:
        """Dead-letter topic first, then the store: a crash in between parks it twice on
        the topic (its readers dedupe by event id), never zero times."""
        envelope = received.envelope
        event_id = envelope.event_id if envelope else f"{received.topic}/{received.where}"
        parked = ParkedEvent(
            projection=self._projection.name,
            source=received.topic or "unknown",
            event_id=event_id,
            type=envelope.type if envelope else "undecodable",
            record=record_text(received.record()),
            error=error,
            attempts=attempts,
            parked_at=now(),
        )
        if self._dead_letters is not None and received.topic:
            await self._dead_letters(received, parked)
        async with self._storage.documents.transaction() as tx:
            # Marked handled: a redelivery does not park it again.
            await self._mark(tx, self.marker(event_id), parked.parked_at.isoformat())
            await park(tx, parked)

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
            await self.handle_received(
                [Received.decode(r.topic, r.value, r.key, r.partition, r.offset) for r in records]
            )


# "Not now", not "not this event": the batch is tried again later, nothing is parked.
