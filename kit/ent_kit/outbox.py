"""Transactional outbox: the event store's global log *is* the outbox.

An append is a single write, and every appended event is "to publish" by position. The
relay publishes in position order (so in order per aggregate, keyed by aggregate id),
waits for the broker's acknowledgements, and only then records its checkpoint: a relay
killed in between re-publishes from the old checkpoint — duplicates, never gaps.
Consumers dedupe by event id.

Checkpoints only move forward from where their writer read them (`advance_checkpoint`,
compare and set in the writer's transaction), and a `guard` (the replica's lease, see
`ent_kit.lease`) is checked in the same transaction: a replica that lost the lease, or
raced another, writes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from ent_kit.lease import Guard
from ent_kit.logging import get_logger
from ent_kit.signal import AppendSignal, follow
from ent_kit.storage import Document, DocumentWriter, Storage, StoredEvent

CHECKPOINTS = "_checkpoints"
log = get_logger("ent.outbox")


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[StoredEvent]) -> None:
        """Publish all, in order; return only once the broker acknowledged every one."""
        ...


class CheckpointMoved(Exception):
    """Someone else moved this checkpoint since we read it (another replica's follower):
    our transaction writes nothing; carry on from `actual`."""

    def __init__(self, name: str, expected: int, actual: int) -> None:
        super().__init__(f"checkpoint {name}: expected {expected}, found {actual}")
        self.name = name
        self.expected = expected
        self.actual = actual


async def read_checkpoint(storage: Storage, name: str) -> int:
    doc = await storage.documents.get(CHECKPOINTS, name)
    return int(doc["position"]) if doc else 0


async def advance_checkpoint(tx: DocumentWriter, name: str, expected: int, position: int) -> None:
    """Move `name` from `expected` to `position` in `tx`, else CheckpointMoved (and the
    transaction rolls back). Two writers of one checkpoint cannot both commit: SQLite
    serialises them, MongoDB aborts one of two transactions writing the same document."""

    def unmoved(doc: Document | None) -> None:
        actual = int(doc["position"]) if doc else 0
        if actual != expected:
            raise CheckpointMoved(name, expected, actual)

    await tx.expect(CHECKPOINTS, name, unmoved)
    await tx.put(CHECKPOINTS, name, {"position": position})


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
        retry_interval: float | None = None,
        guard: Guard | None = None,
    ) -> None:
        self._storage = storage
        self._publisher = publisher
        self._signal = signal
        self._name = name
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._retry_interval = poll_interval if retry_interval is None else retry_interval
        self._guard = guard
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Publish until stopped; a failed publish is retried after a pause, never skipped.
        Can run again after a stop (a replica that gets the lease back)."""
        try:
            await follow(
                self.drain,
                self._signal,
                self._stopping,
                poll_interval=self._poll_interval,
                retry_interval=self._retry_interval,
                name=self._name,
            )
        finally:
            self._stopping = asyncio.Event()  # a stop() seen; the next run() starts afresh

    async def drain(self) -> int:
        """Publish everything appended so far; returns how many events were published."""
        published = 0
        position = await read_checkpoint(self._storage, self._name)
        while batch := await self._storage.events.read_all(position, self._batch_size):
            await self._check_guard()  # a replica that lost the lease publishes no more
            await self._publisher.publish(batch)
            try:
                await self._save_checkpoint(position, batch[-1].position)
            except CheckpointMoved as moved:
                # Another replica's relay published (some of) these too: duplicates, which
                # consumers dedupe; carry on from its checkpoint.
                log.warning("outbox checkpoint moved by another relay", error=str(moved))
                position = moved.actual
                continue
            position = batch[-1].position
            published += len(batch)
        return published

    async def stop(self) -> None:
        """Stop the loop; the caller then runs one last `drain()` to flush."""
        self._stopping.set()
        self._signal.notify()

    async def _check_guard(self) -> None:
        if self._guard is not None:  # a plain read: the checkpoint's transaction decides
            await self._guard(self._storage.documents)

    async def _save_checkpoint(self, expected: int, position: int) -> None:
        async with self._storage.documents.transaction() as tx:
            if self._guard is not None:
                await self._guard(tx)
            await advance_checkpoint(tx, self._name, expected, position)
