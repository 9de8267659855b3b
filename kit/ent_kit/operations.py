"""What an operator does to a service's read models: rebuild them, replay a topic into one,
apply parked events again, and forget old "already handled" markers.

Rebuilds and replays rewrite read models from the start, so they must not race the
running service: they hold the service's pipeline lease for their whole run (a service
whose replicas are up holds it, and the command refuses to start). Services that only
consume topics hold no lease while up: stop them before a replay.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition

from ent_kit.kafka_projection import KafkaProjection, Received
from ent_kit.lease import Lease, LeaseLost, new_owner_id
from ent_kit.logging import get_logger
from ent_kit.outbox import CHECKPOINTS
from ent_kit.parking import PARKED, ParkedEvent, describe, now, parked_events
from ent_kit.projections import PROCESSED, LocalProjector, Projection, apply_alone
from ent_kit.signal import AppendSignal
from ent_kit.storage import Query, Range, Storage, clear, update_fields

log = get_logger("ent.operations")

Progress = Callable[[int, int], None]  # done, total
PIPELINE_LEASE = "pipeline"


class ServiceRunning(Exception):
    """The service's lease is held by a live replica: stop it before rewriting read models."""


@contextlib.asynccontextmanager
async def exclusive(storage: Storage, ttl_s: float) -> AsyncIterator[Lease]:
    """Hold the service's pipeline lease (renewed) while the block runs."""
    lease = Lease(
        storage.documents, PIPELINE_LEASE, ttl_s=ttl_s, owner=f"operator:{new_owner_id()}"
    )
    if not await lease.acquire_or_renew():
        holder = await lease.current()
        raise ServiceRunning(
            f"the service is running (its lease is held by {holder.owner if holder else '?'}):"
            " stop its replicas first"
        )
    renewing = asyncio.create_task(_renew(lease))
    try:
        yield lease
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        await lease.release()


async def _renew(lease: Lease) -> None:
    while True:
        await asyncio.sleep(lease.ttl_s / 3)
        if not await lease.acquire_or_renew():
            raise LeaseLost("the operator's lease was taken over")


async def _empty(storage: Storage, projection: Projection) -> None:
    for collection in projection.collections:
        await clear(storage.documents, collection)
    await clear(storage.documents, PARKED, Query(where={"projection": projection.name}))


async def rebuild(
    storage: Storage, projection: Projection, lease: Lease, progress: Progress | None = None
) -> int:
    """Empty the projection's collections and apply the service's whole log again (event
    types that were unknown when first seen are applied now). Returns the last position."""
    await _empty(storage, projection)
    async with storage.documents.transaction() as tx:
        await tx.delete(CHECKPOINTS, f"projection:{projection.name}")
    total = await storage.events.last_position()
    projector = LocalProjector(
        storage,
        projection,
        AppendSignal(),
        guard=lease.verify,
        on_progress=(lambda done: progress(done, total)) if progress else None,
    )
    await projector.drain()
    return total


@dataclass
class Replayed:
    records: int = 0
    applied: int = 0


async def replay(
    storage: Storage,
    projection: Projection,
    *,
    bootstrap: str,
    topic: str,
    progress: Progress | None = None,
) -> Replayed:
    """Empty the projection (its collections, its handled markers) and apply `topic` again
    from its first record to the last one present when the replay starts."""
    await _empty(storage, projection)
    await clear(storage.documents, PROCESSED, Query(where={"projection": projection.name}))
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        return await _replay_from(consumer, KafkaProjection(storage, projection), topic, progress)
    finally:
        await consumer.stop()


async def _replay_from(
    consumer: AIOKafkaConsumer,
    target: KafkaProjection,
    topic: str,
    progress: Progress | None,
) -> Replayed:
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
    if not partitions:
        raise ValueError(f"topic {topic!r} not found on the broker")
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    ends = await consumer.end_offsets(partitions)
    starts = await consumer.beginning_offsets(partitions)
    total = sum(ends[tp] - starts[tp] for tp in partitions)
    done = Replayed()
    pending = {tp for tp in partitions if ends[tp] > starts[tp]}
    while pending:
        fetched = await consumer.getmany(*pending, timeout_ms=1000)
        for tp, records in fetched.items():
            wanted = [r for r in records if r.offset < ends[tp]]
            received = [
                Received.decode(r.topic, r.value, r.key, r.partition, r.offset) for r in wanted
            ]
            done.applied += await target.handle_received(received)
            done.records += len(wanted)
            if not wanted or wanted[-1].offset >= ends[tp] - 1:
                pending.discard(tp)
        if progress:
            progress(done.records, total)
    return done


@dataclass
class Retried:
    applied: list[str] = field(default_factory=list)
    failed: list[ParkedEvent] = field(default_factory=list)


async def retry_parked(
    storage: Storage, projections: Sequence[Projection], only: str | None = None
) -> Retried:
    """Apply each parked event of these projections once more; those that succeed leave
    the parked list, the others stay with their new error."""
    by_name = {p.name: p for p in projections}
    outcome = Retried()
    async for parked in parked_events(storage.documents, only):
        projection = by_name.get(parked.projection)
        if projection is None:
            continue  # a projection this version no longer has: left for the operator
        try:
            await apply_alone(storage, projection, parked)
        except Exception as exc:
            outcome.failed.append(parked)
            async with storage.documents.transaction() as tx:
                again = {"error": describe(exc), "retried_at": now().isoformat()}
                await update_fields(tx, PARKED, parked.key, **again)
            continue
        outcome.applied.append(parked.event_id)
    return outcome


async def prune_markers(storage: Storage, older_than: timedelta) -> int:
    """Forget "already handled" markers the broker can no longer redeliver (older than the
    topics' retention): how many were deleted."""
    cutoff = (now() - older_than).isoformat()
    return await clear(storage.documents, PROCESSED, Query(ranges={"at": Range(lt=cutoff)}))
