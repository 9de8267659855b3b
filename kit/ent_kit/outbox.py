"""Transactional outbox: the event store's global log *is* the outbox.

An append is a single write, and every appended event is "to publish" by position. The
relay publishes in position order (so in order per aggregate, keyed by aggregate id),
waits for the broker's acknowledgements, and only then records its checkpoint: a relay
killed in between re-publishes from the old checkpoint — duplicates, never gaps.
Consumers dedupe by event id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from ent_kit.logging import get_logger
from ent_kit.signal import AppendSignal, follow
from ent_kit.storage import Storage, StoredEvent

CHECKPOINTS = "_checkpoints"
log = get_logger("ent.outbox")


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[StoredEvent]) -> None:
        """Publish all, in order; return only once the broker acknowledged every one."""
        ...


async def read_checkpoint(storage: Storage, name: str) -> int:
    doc = await storage.documents.get(CHECKPOINTS, name)
    return int(doc["position"]) if doc else 0


class OutboxRelay:
    def __init__(
        self,
        storage: Storage,
        publisher: EventPublisher,
        signal: AppendSignal,
        *,
        name: str = "outbox",
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        self._storage = storage
        self._publisher = publisher
        self._signal = signal
        self._name = name
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Publish until stopped; a failed publish is retried after a pause, never skipped."""
        await follow(
            self.drain,
            self._signal,
            self._stopping,
            poll_interval=self._poll_interval,
            name=self._name,
        )

    async def drain(self) -> int:
        """Publish everything appended so far; returns how many events were published."""
        published = 0
        position = await read_checkpoint(self._storage, self._name)
        while batch := await self._storage.events.read_all(position, self._batch_size):
            await self._publisher.publish(batch)
            position = batch[-1].position
            await self._save_checkpoint(position)
            published += len(batch)
        return published

    async def stop(self) -> None:
        """Stop the loop; the caller then runs one last `drain()` to flush."""
        self._stopping.set()
        self._signal.notify()

    async def _save_checkpoint(self, position: int) -> None:
        async with self._storage.documents.transaction() as tx:
            await tx.put(CHECKPOINTS, self._name, {"position": position})
