"""Event-sourced aggregates: pure decisions and state, no I/O.

An aggregate decides (its methods check rules and `trigger` events) and evolves (`when`
folds an event into state). `ent_kit.repository` loads and saves them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import uuid_utils
from ent_contracts import DomainEvent


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


def new_event_id() -> str:
    """Time-ordered (UUIDv7): ids of events and of new aggregates sort by creation."""
    return str(uuid_utils.uuid7())
