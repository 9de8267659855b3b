"""Two replicas of one service on one SQLite file, as two processes would run it: the lease
holder alone runs the local projectors and the outbox relay, commands on either replica
see their own writes, a peer takes over when the holder dies, and a holder that lost the
lease writes (and publishes) nothing more."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Protocol

import pytest
from ent_contracts import DomainEvent, Envelope
from ent_contracts.directory import UserRegistered
from ent_kit.lease import LEASES, LeaseLost
from ent_kit.outbox import OutboxRelay, read_checkpoint
from ent_kit.projections import LocalProjector
from ent_kit.runtime import Runtime, ServiceDefinition
from ent_kit.settings import ServiceSettings
from ent_kit.signal import AppendSignal
from ent_kit.storage import DocumentWriter, Storage
from kit_fixtures import RecordingPublisher, StorageOpener, append_users, storage_opener
from opentelemetry.sdk.trace import TracerProvider

__all__ = ["storage_opener"]

SECRET = "s" * 32
TTL = 1.5  # renewed every 0.5 s: a loaded machine's slow fsync must not expire it


class Roster:
    """A read-modify-write read model: applied twice, its counter would say so."""

    name = "roster"

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, UserRegistered)
        self.seen.append(envelope.event_id)
        counter = await tx.get("schools", event.school_id) or {"users": 0}
        await tx.put("schools", event.school_id, {"users": counter["users"] + 1})


class Replica:
    """One process of the service: its runtime, what its projection applied, what its
    relay published."""

    def __init__(self, runtime: Runtime, roster: Roster, published: RecordingPublisher) -> None:
        self.runtime = runtime
        self.roster = roster
        self.published = published
        self.stopped = False

    @property
    def storage(self) -> Storage:
        return self.runtime.storage

    @property
    def holds_lease(self) -> bool:
        return self.runtime.pipeline.running

    async def append(self, stream: str, count: int, after: int = 0) -> int:
        """Commands on this replica: events appended, its followers woken (as Repository)."""
        position = await append_users(self.storage, stream, count, after)
        self.runtime.signal.notify()
        return position

    async def caught_up(self, position: int, timeout: float = 5.0) -> None:
        await self.runtime.projectors["roster"].caught_up(position, timeout)

    async def stop(self) -> None:
        """A clean shutdown (SIGTERM)."""
        if not self.stopped:
            self.stopped = True
            await self.runtime.stop()

    def crash(self) -> None:
        """The process dies: its keeper and followers stop dead, nothing is released."""
        pipeline = self.runtime.pipeline
        assert pipeline._keeper is not None
        for task in [pipeline._keeper, *pipeline._tasks.values()]:
            task.cancel()

    def freeze_renewals(self) -> None:
        """Its keeper stops renewing (e.g. stuck), while its followers still run."""
        assert self.runtime.pipeline._keeper is not None
        self.runtime.pipeline._keeper.cancel()


class StartReplica(Protocol):
    async def __call__(self, ttl: float = TTL) -> Replica: ...


@pytest.fixture
async def replicas(tmp_path: Path) -> AsyncIterator[StartReplica]:
    started: list[Replica] = []

    async def start(ttl: float = TTL) -> Replica:
        roster, published = Roster(), RecordingPublisher()
        settings = ServiceSettings(
            service_name="roster",
            store_url=f"sqlite://{tmp_path}/store.db",
            lease_ttl_s=ttl,
        )
        definition = ServiceDefinition(
            name="roster", local_projections=[roster], uses_broker=False, uses_blobs=False
        )
        runtime = Runtime(definition, settings, TracerProvider())
        await runtime.start()
        # What `_start_broker` wires for a service with topics, with a recording "broker".
        relay = OutboxRelay(
            runtime.storage,
            published,
            runtime.signal,
            poll_interval=0.05,
            guard=runtime.pipeline.guard,
        )
        runtime._relay = relay
        runtime.pipeline.add("outbox", relay)
        replica = Replica(runtime, roster, published)
        started.append(replica)
        return replica

    yield start
    for replica in reversed(started):
        await replica.stop()


async def wait_until(condition: Callable[[], bool], timeout: float) -> float:
    """Seconds it took; TimeoutError after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError
        await asyncio.sleep(0.005)
    return time.monotonic() - started


async def users_counted(storage: Storage) -> int:
    doc = await storage.documents.get("schools", "school-1")
    return 0 if doc is None else int(doc["users"])


def publications(*replicas: Replica) -> Counter[int]:
    """How many times each log position went to the broker, all replicas together."""
    return Counter(p for r in replicas for p in r.published.positions)


async def test_only_the_lease_holder_projects_and_publishes(replicas: StartReplica) -> None:
    a = await replicas()
    await wait_until(lambda: a.holds_lease, 2.0)
    b = await replicas()

    await a.append("a", 5)
    last = await b.append("b", 5)  # appended by the replica that runs nothing
    await a.caught_up(last)
    await b.caught_up(last)
    await a.published.wait_for(lambda: last in a.published.positions)
    await asyncio.sleep(0.2)  # time for a wrong second application or publication

    assert await users_counted(a.storage) == 10  # every event applied exactly once
    assert len(a.roster.seen) == 10
    assert b.roster.seen == []
    assert publications(a, b) == dict.fromkeys(range(1, 11), 1)
    assert b.published.positions == []
    assert not b.holds_lease
    lease = await a.storage.documents.get(LEASES, "pipeline")
    assert lease is not None
    assert lease["owner"] == a.runtime.pipeline.lease.owner


async def test_a_command_on_the_other_replica_sees_its_write(
    replicas: StartReplica,
) -> None:
    a = await replicas()
    await wait_until(lambda: a.holds_lease, 2.0)
    b = await replicas()
    waits: list[float] = []
    for round_ in range(10):
        position = await b.append("b", 1, after=round_)
        started = time.monotonic()
        await b.caught_up(position, timeout=2.0)
        waits.append(time.monotonic() - started)
        assert await users_counted(b.storage) == round_ + 1  # visible on b when it returns

    assert b.roster.seen == []
    # The holder polls the log every 100 ms, b the checkpoint every 25 ms.
    assert statistics.median(waits) < 0.3, waits
    assert max(waits) < 1.0, waits  # not the 1 s poll of before


async def test_a_peer_takes_over_when_the_holder_dies(replicas: StartReplica) -> None:
    a = await replicas()
    await wait_until(lambda: a.holds_lease, 2.0)
    b = await replicas()
    before = await b.append("b", 3)
    await b.caught_up(before)
    await a.published.wait_for(lambda: before in a.published.positions)

    a.crash()
    killed = time.monotonic()
    during = await b.append("b", 2, after=3)  # waits for the takeover, then is seen
    await b.caught_up(during, timeout=TTL + 2.0)
    takeover = time.monotonic() - killed
    after = await b.append("b", 2, after=5)
    await b.caught_up(after)
    await b.published.wait_for(lambda: after in b.published.positions)

    assert b.holds_lease
    assert takeover <= TTL + 0.3, takeover  # within the TTL, plus b's look at the expiry
    assert await users_counted(b.storage) == 7
    assert len(a.roster.seen) == 3
    assert len(b.roster.seen) == 4
    assert publications(a, b) == dict.fromkeys(range(1, 8), 1)
    lease = await b.storage.documents.get(LEASES, "pipeline")
    assert lease is not None
    assert (lease["owner"], lease["token"]) == (b.runtime.pipeline.lease.owner, 2)


async def test_a_holder_that_lost_the_lease_applies_and_publishes_nothing(
    replicas: StartReplica,
) -> None:
    a = await replicas()
    await wait_until(lambda: a.holds_lease, 2.0)
    b = await replicas()
    first = await a.append("a", 2)
    await a.caught_up(first)
    await a.published.wait_for(lambda: first in a.published.positions)

    a.freeze_renewals()  # a's followers still run, believing they hold the lease
    await wait_until(lambda: b.holds_lease, TTL + 2.0)
    assert a.runtime.projectors["roster"]._running  # stale, but running
    last = await a.append("a", 3, after=2)  # wakes a's stale followers at once
    await b.caught_up(last)
    await b.published.wait_for(lambda: last in b.published.positions)
    await asyncio.sleep(0.3)  # a's followers retry meanwhile: refused every time

    # a's stale batches may run its projection, but their commits are refused: each event
    # counted once, by b after the takeover.
    assert await users_counted(a.storage) == 5
    assert len(b.roster.seen) == 3
    assert publications(a, b) == dict.fromkeys(range(1, 6), 1)
    with pytest.raises(LeaseLost):
        await a.runtime.projectors["roster"].drain()  # its next batch, refused outright


async def test_a_clean_shutdown_hands_over_at_once(replicas: StartReplica) -> None:
    a = await replicas(ttl=5.0)
    await wait_until(lambda: a.holds_lease, 2.0)
    b = await replicas(ttl=5.0)
    last = await a.append("a", 3)
    await a.stop()  # flushes its outbox, then releases the lease

    handover = await wait_until(lambda: b.holds_lease, 2.0)
    await b.caught_up(last)

    assert handover < 1.0  # not the 5 s TTL
    assert a.published.positions == [1, 2, 3]  # flushed by a before it let go
    assert b.published.positions == []
    assert await users_counted(b.storage) == 3


# --- Without a lease: the checkpoint's compare-and-set alone forbids a double application ---


async def test_two_unguarded_projectors_on_one_store_apply_each_event_once(
    storage_opener: StorageOpener,
) -> None:
    """E.g. the directory's import command-line tool next to the running service: both
    follow the same log, with no lease between them."""
    first, second = await storage_opener.open(), await storage_opener.open()
    rosters = Roster(), Roster()
    projectors = [
        LocalProjector(storage, roster, AppendSignal(), batch_size=7)
        for storage, roster in zip((first, second), rosters, strict=True)
    ]
    last = 0
    for round_ in range(10):
        last = await append_users(first, "a", 13, after=13 * round_)
        await asyncio.gather(*(p.drain() for p in projectors))

    # Both may apply a batch in memory; the loser's commit is refused, so the counter
    # (read, then written) counts each event once.
    assert await users_counted(first) == last == 130
    assert len(set(rosters[0].seen + rosters[1].seen)) == 130
    assert await read_checkpoint(first, "projection:roster") == last
    for projector in projectors:
        await projector.caught_up(last, timeout=1.0)


async def test_two_unguarded_relays_never_move_the_checkpoint_back(
    storage_opener: StorageOpener,
) -> None:
    first, second = await storage_opener.open(), await storage_opener.open()
    publishers = RecordingPublisher(), RecordingPublisher()
    relays = [
        OutboxRelay(storage, publisher, AppendSignal(), batch_size=5)
        for storage, publisher in zip((first, second), publishers, strict=True)
    ]
    last = 0
    for round_ in range(10):
        last = await append_users(second, "a", 11, after=11 * round_)
        await asyncio.gather(*(r.drain() for r in relays))
        assert await read_checkpoint(first, "outbox") == last

    # Duplicates are possible (both may publish a batch), gaps are not.
    assert set(publishers[0].positions) | set(publishers[1].positions) == set(range(1, last + 1))
