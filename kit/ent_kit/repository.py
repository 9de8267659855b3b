"""Loads aggregates from their events and saves what they decided, with optimistic
concurrency: a conflicting append fails and the command decides again on fresh state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from ent_contracts import Actor, DomainEvent, Envelope, decode_payload, payload_dict

from ent_kit import texts
from ent_kit.aggregate import Aggregate, new_event_id
from ent_kit.aggregate_cache import AggregateCache
from ent_kit.errors import NotFound
from ent_kit.signal import AppendSignal
from ent_kit.storage import ConcurrencyConflict, EventStore
from ent_kit.telemetry import current_trace_context

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")

# Two writers on one aggregate rarely collide twice in a row; five tries bound the work a
# hot aggregate can cost one request.
ATTEMPTS = 5


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What `decide` answered, and the log position of the last event saved (0: none), to
    wait for the read models before answering (read-your-writes)."""

    result: T
    position: int


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
        self,
        events: EventStore,
        factory: Callable[[str], A],
        signal: AppendSignal,
        *,
        cache: AggregateCache[A] | None = None,
    ) -> None:
        self._events = events
        self._factory = factory
        self._signal = signal
        self._cache: AggregateCache[A] = AggregateCache() if cache is None else cache

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
        Returns the log position of the last event (0 when there was nothing to save)."""
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

    async def update(
        self,
        aggregate_id: str,
        decide: Callable[[A], T],
        actor: Actor,
        *,
        create: bool = False,
    ) -> Saved[T]:
        """Load, decide, save; when another writer saved first, load and decide again, at
        most ATTEMPTS times, then let the last ConcurrencyConflict through.

        An aggregate this repository committed recently is decided on from memory first
        (`ent_kit.aggregate_cache`); whatever that decision does but commit, it is made
        again on the stored events.

        A missing aggregate is NotFound unless `create`, which starts a fresh one."""
        cached = self._cache.take(aggregate_id)
        if cached is not None:
            saved = await self._commit_cached(cached, decide, actor)
            if saved is not None:
                return saved
        for attempt in range(1, ATTEMPTS + 1):
            aggregate = await self.get(aggregate_id)
            if aggregate is None:
                if not create:
                    raise NotFound("", "not_found", texts.NOT_FOUND)
                aggregate = self._factory(aggregate_id)
            result = decide(aggregate)
            try:
                position = await self.save(aggregate, actor)
            except ConcurrencyConflict:
                if attempt == ATTEMPTS:
                    raise
                continue
            self._cache.keep(aggregate)
            return Saved(result, position)
        raise AssertionError("unreachable")

    async def _commit_cached(
        self, aggregate: A, decide: Callable[[A], T], actor: Actor
    ) -> Saved[T] | None:
        """The decision on the kept copy, if it commits; None to decide on stored state (a
        refusal or a no-op may come from events another replica appended since)."""
        try:
            result = decide(aggregate)
        except Exception:
            return None
        if not aggregate.pending():
            return None
        try:
            position = await self.save(aggregate, actor)
        except ConcurrencyConflict:
            return None
        self._cache.keep(aggregate)
        return Saved(result, position)
