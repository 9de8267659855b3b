"""Part of suite `kit`: the event pipeline as a service runs it, timed end to end.

COMMANDS concurrent workers (as concurrent HTTP requests) each run one command at a time:
`Repository.update` loads an aggregate from its events, decides (one event), saves it (SQLite,
group commit, optimistic concurrency) and wakes the followers. On the lease holder, as in
production (`ent_kit.runtime`), a `LeasedPipeline` runs the outbox relay and a local projector,
both guarded by the lease in each checkpoint's transaction. The consumer runs as its own
process, as the consuming service does, and projects each event idempotently into its own
SQLite store. The clock runs from the first command until both the local projector and the
consumer have applied the last event.

`bare=True` is the same with the commands replaced by bare `events.append` of prebuilt
envelopes and no local projector: what the aggregate, the repository and the projector add.
"""

from __future__ import annotations

import asyncio
import sys
import time
from functools import partial
from pathlib import Path

import uvloop
from ent_contracts import SYSTEM, DomainEvent, Envelope, topics
from ent_contracts.directory import UserRegistered
from ent_kit.aggregate import Aggregate
from ent_kit.broker_link import KafkaEventPublisher
from ent_kit.kafka_projection import KafkaProjection
from ent_kit.lease import Lease
from ent_kit.messaging import consumer_router, make_broker
from ent_kit.outbox import OutboxRelay
from ent_kit.pipeline import LeasedPipeline
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository, envelope_for
from ent_kit.runtime import FOLLOW_POLL_S, FOLLOW_RETRY_S
from ent_kit.settings import ServiceSettings
from ent_kit.signal import AppendSignal
from ent_kit.storage import DocumentWriter, Storage, open_storage
from opentelemetry.sdk.trace import TracerProvider

from bench.kit_sizes import AGGREGATES, COMMANDS, EVENTS

LEASE_TTL_S = ServiceSettings(service_name="bench").lease_ttl_s  # the services' default


def registered(user: str, i: int) -> UserRegistered:
    return UserRegistered(
        user_id=user,
        school_id="school-1",
        login=f"login.{i}",
        first_name="Camille",
        last_name="Martin",
        profile="student",
        classes=["4A"],
    )


def user_id(i: int, round_: int) -> str:
    return f"r{round_}-user-{i % AGGREGATES}"


def sample_event(i: int, round_: int = 0) -> Envelope:
    """Event `i` of a round, as its aggregate's command makes it (the raw and bare runs)."""
    user = user_id(i, round_)
    return envelope_for(registered(user, i), user, i // AGGREGATES + 1, SYSTEM)


class Account(Aggregate):
    """A small aggregate: its state folds every event, its command checks it."""

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.logins: list[str] = []

    def when(self, event: DomainEvent) -> None:
        assert isinstance(event, UserRegistered)
        self.logins.append(event.login)

    def register(self, *, i: int) -> int:
        login = f"login.{i}"
        if login in self.logins:
            raise ValueError(f"{login} already registered")
        self.trigger(registered(self.id, i))
        return len(self.logins)


class CountingProjection:
    """Writes one document per event (idempotent upsert) and counts this round's events."""

    collections = ("seen",)

    def __init__(self, name: str, expected: int, round_: int) -> None:
        self.name = name
        self.expected = expected
        self.prefix = f"r{round_}-"
        self.applied = 0
        self.done = asyncio.Event()

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        await tx.put("seen", envelope.aggregate_id, {"version": envelope.aggregate_version})
        # A batch of an earlier round left uncommitted may come again: not this round's.
        self.applied += envelope.aggregate_id.startswith(self.prefix)
        if self.applied >= self.expected:
            self.done.set()


async def consume(bootstrap: str, database: Path, expected: int, round_: int) -> None:
    """The consuming service, run as its own process (`python -m bench.kit_pipeline consume
    …`): prints READY once subscribed, then the wall-clock time it applied the last event."""
    store = await open_storage(f"sqlite://{database}", service_name="bench-consumer")
    broker = make_broker(bootstrap, client_id="bench-consumer", idempotence=False)
    router = consumer_router(TracerProvider())  # real middleware; spans made, not shipped
    projection = CountingProjection("bench", expected, round_)
    KafkaProjection(store, projection).subscribe(router, topics.DIRECTORY, group_id="bench")
    broker.include_router(router)
    await broker.start()
    try:
        await asyncio.sleep(6)  # let the consumer group settle before the clock starts
        print("READY", flush=True)
        await asyncio.wait_for(projection.done.wait(), timeout=300)
        print(f"DONE {time.time()}", flush=True)
    finally:
        await broker.stop()
        await store.close()


async def pipeline(bootstrap: str, workdir: Path, round_: int, *, bare: bool = False) -> float:
    """Events per second, from the first command until the last event is projected by the
    local projector and by the consumer."""
    consumer = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.kit_pipeline",
        "consume",
        bootstrap,
        str(workdir / "consumer.db"),
        str(EVENTS),
        str(round_),
        stdout=asyncio.subprocess.PIPE,
    )
    assert consumer.stdout is not None
    assert (await consumer.stdout.readline()).strip() == b"READY"
    storage = await open_storage(f"sqlite://{workdir}/producer.db", service_name="bench")
    broker = make_broker(bootstrap, client_id="bench", idempotence=False)
    signal = AppendSignal()
    leased = LeasedPipeline(Lease(storage.documents, "pipeline", ttl_s=LEASE_TTL_S))
    relay = OutboxRelay(
        storage,
        KafkaEventPublisher(broker),
        signal,
        poll_interval=FOLLOW_POLL_S,
        retry_interval=FOLLOW_RETRY_S,
        guard=leased.guard,
    )
    local = CountingProjection("bench-local", EVENTS, round_)
    projector = LocalProjector(
        storage,
        local,
        signal,
        poll_interval=FOLLOW_POLL_S,
        retry_interval=FOLLOW_RETRY_S,
        guard=leased.guard,
    )
    await broker.start()
    envelopes = [sample_event(i, round_) for i in range(EVENTS)] if bare else []
    try:
        changed = leased.changed
        leased.add("outbox", relay)
        if not bare:
            leased.add("projector:bench-local", projector)
        await asyncio.wait_for(changed.wait(), 10)  # the lease taken, the followers started
        assert leased.running
        started = time.time()
        if bare:
            await append_all(storage, envelopes, signal)
            projected_at = started
        else:
            last = await command_all(Repository(storage.events, Account, signal), round_)
            await projector.caught_up(last, timeout=300)
            projected_at = time.time()
        done_line = await asyncio.wait_for(consumer.stdout.readline(), timeout=300)
        await leased.close()
        return EVENTS / (max(projected_at, float(done_line.split()[1])) - started)
    finally:
        await consumer.wait()
        await broker.stop()
        await storage.close()


async def command_all(repository: Repository[Account], round_: int) -> int:
    """COMMANDS workers, each running one command at a time; the highest log position."""
    queue = iter(range(EVENTS))
    last = 0

    async def command_worker() -> None:
        nonlocal last
        for i in queue:
            decide = partial(Account.register, i=i)
            saved = await repository.update(user_id(i, round_), decide, SYSTEM, create=True)
            last = max(last, saved.position)

    await asyncio.gather(*(command_worker() for _ in range(COMMANDS)))
    return last


async def append_all(storage: Storage, envelopes: list[Envelope], signal: AppendSignal) -> None:
    """COMMANDS workers, each appending one prebuilt event at a time."""
    queue = iter(envelopes)

    async def command_worker() -> None:
        for envelope in queue:
            version = envelope.aggregate_version
            await storage.events.append(envelope.aggregate_id, version - 1, [envelope])
            signal.notify()

    await asyncio.gather(*(command_worker() for _ in range(COMMANDS)))


if __name__ == "__main__" and sys.argv[1:2] == ["consume"]:
    _, _, bootstrap_arg, database_arg, expected_arg, round_arg = sys.argv
    # As the consuming service runs: on uvloop (`ent_kit.service.serve`).
    uvloop.run(consume(bootstrap_arg, Path(database_arg), int(expected_arg), int(round_arg)))
