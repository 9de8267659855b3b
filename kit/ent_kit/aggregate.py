"""Event-sourced aggregates and the repository that loads and saves them.

An aggregate decides (its methods check rules and `trigger` events) and evolves (`when`
folds an event into state). The repository turns triggered events into envelopes and
appends them with optimistic concurrency: state is only ever rebuilt from events.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Generic, TypeVar

import uuid_utils
from ent_contracts import Actor, DomainEvent, Envelope, decode_payload, payload_dict

from ent_kit.signal import AppendSignal
from ent_kit.storage import EventStore
from ent_kit.telemetry import current_trace_context


class Aggregate(ABC):
    def __init__(self, aggregate_id: str) -> None:
        self.id = aggregate_id
        self.version = 0  # last stored version
        self._pending: list[DomainEvent] = []

    @abstractmethod
    def when(self, event: DomainEvent) -> None:
        """Fold one event into the state. No checks here: the event already happened."""

    def trigger(self, event: DomainEvent) -> None:
        self.when(event)
        self._pending.append(event)

    def pending(self) -> list[DomainEvent]:
        return list(self._pending)

    def mark_saved(self) -> None:
        self.version += len(self._pending)
        self._pending.clear()


A = TypeVar("A", bound=Aggregate)


def new_event_id() -> str:
    return str(uuid_utils.uuid7())


def envelope_for(
    event: DomainEvent, aggregate_id: str, version: int, actor: Actor, at: datetime | None = None
) -> Envelope:
    return Envelope(
        event_id=new_event_id(),
        type=event.event_type,
        schema_version=event.schema_version,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        occurred_at=at or datetime.now(UTC),
        actor=actor,
        trace=current_trace_context(),
        payload=payload_dict(event),
    )


class Repository(Generic[A]):
    def __init__(
        self, events: EventStore, factory: Callable[[str], A], signal: AppendSignal
    ) -> None:
        self._events = events
        self._factory = factory
        self._signal = signal

    async def get(self, aggregate_id: str) -> A | None:
        envelopes = await self._events.read_stream(aggregate_id)
        if not envelopes:
            return None
        aggregate = self._factory(aggregate_id)
        for envelope in envelopes:
            aggregate.when(decode_payload(envelope))
        aggregate.version = envelopes[-1].aggregate_version
        return aggregate

    async def save(self, aggregate: A, actor: Actor) -> int:
        """Append the pending events; ConcurrencyConflict if someone saved first.
        Returns the log position of the last event (to wait for projections)."""
        events = aggregate.pending()
        if not events:
            return 0
        envelopes = [
            envelope_for(event, aggregate.id, aggregate.version + i, actor)
            for i, event in enumerate(events, start=1)
        ]
        position = await self._events.append(aggregate.id, aggregate.version, envelopes)
        aggregate.mark_saved()
        self._signal.notify()
        return position
