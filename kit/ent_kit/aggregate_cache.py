"""Aggregates kept in memory between commands, so a command on a recently changed one
decides without reading its stream again.

A cached aggregate is never trusted on its own word: `Repository.update` takes it out
while a command decides on it, and only a decision that *commits* at its version proves it
was current (the append names the version it was decided at; a stale copy conflicts). Any
other outcome (a conflict, a refusal, nothing to do) drops it and decides again on the
stored events. The bound is in events folded, a stand-in for the state's size.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from ent_kit.aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)

# Per repository: thousands of small aggregates, or a few long ones.
DEFAULT_MAX_EVENTS = 20_000


class AggregateCache(Generic[A]):
    def __init__(self, max_events: int = DEFAULT_MAX_EVENTS) -> None:
        self._max_events = max_events
        self._kept: OrderedDict[str, A] = OrderedDict()
        self._events = 0  # the kept aggregates' versions, summed

    def __len__(self) -> int:
        return len(self._kept)

    def take(self, aggregate_id: str) -> A | None:
        """The kept aggregate, removed: a concurrent command on the same one reads the
        store instead of sharing an object being decided on."""
        aggregate = self._kept.pop(aggregate_id, None)
        if aggregate is not None:
            self._events -= aggregate.version
        return aggregate

    def keep(self, aggregate: A) -> None:
        """Keep a just-committed aggregate, the least recently kept ones making room."""
        if aggregate.version > self._max_events:
            return
        held = self._kept.get(aggregate.id)
        if held is not None and held.version >= aggregate.version:
            return  # a concurrent command committed a later version first
        self.take(aggregate.id)
        self._kept[aggregate.id] = aggregate
        self._events += aggregate.version
        while self._events > self._max_events:
            _, evicted = self._kept.popitem(last=False)
            self._events -= evicted.version
