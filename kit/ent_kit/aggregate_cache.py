"""Aggregates kept in memory between commands, so a command on a recently changed one
decides without reading its stream again.

A cached aggregate is never trusted on its own word: `Repository.update` takes it out
while a command decides on it, and only a decision that *commits* at its version proves it
was current (the append names the version it was decided at; a stale copy conflicts). Any
other outcome (a conflict, a refusal, nothing to do) drops it and decides again on the
stored events.

The bound is in entries, a stand-in for memory: an aggregate weighs the events it folded,
or the entries of its collections if more (a conversation of 200 participants is one
event holding 200 ids). Collections inside collections are not counted.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sized
from typing import Generic, TypeVar

from ent_kit.aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)

# Per repository: some tens of thousands of small aggregates, or a few big ones; about
# 10 MB at the ~100 bytes an entry of a collection takes.
DEFAULT_MAX_ENTRIES = 100_000


def weight(aggregate: Aggregate) -> int:
    held = sum(
        len(value)
        for value in vars(aggregate).values()
        if isinstance(value, Sized) and not isinstance(value, str | bytes)
    )
    return max(aggregate.version, held, 1)


class AggregateCache(Generic[A]):
    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self._max_entries = max_entries
        self._kept: OrderedDict[str, tuple[A, int]] = OrderedDict()  # with its weight
        self._entries = 0

    def __len__(self) -> int:
        return len(self._kept)

    def take(self, aggregate_id: str) -> A | None:
        """The kept aggregate, removed: a concurrent command on the same one reads the
        store instead of sharing an object being decided on."""
        kept = self._kept.pop(aggregate_id, None)
        if kept is None:
            return None
        self._entries -= kept[1]
        return kept[0]

    def keep(self, aggregate: A) -> None:
        """Keep a just-committed aggregate, the least recently kept ones making room."""
        if aggregate.version == 0:
            return  # never stored: a command without `create` must still find it missing
        held = self._kept.get(aggregate.id)
        if held is not None and held[0].version >= aggregate.version:
            return  # a concurrent command committed a later version first
        self.take(aggregate.id)
        entries = weight(aggregate)
        if entries > self._max_entries:
            return
        self._kept[aggregate.id] = (aggregate, entries)
        self._entries += entries
        while self._entries > self._max_entries:
            _, (_, evicted) = self._kept.popitem(last=False)
            self._entries -= evicted
