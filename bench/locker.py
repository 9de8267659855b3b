"""Suite `locker`: a 5 MiB deposit to a group of 1,000, and Mon casier of 10,000 documents,
in-process (this module), then on the user's path through the gateway of the whole
platform (`locker_gateway`, `locker_gateway_list`). Each latency is printed beside its
floor, the same physical work done the plainest way in the same run (`locker_floors`):
`.floor_ms` and `.ratio_to_floor`. Sizes: `locker_sizes` (`ENT_BENCH_QUICK=1` shrinks them).

The locker service as it runs, in-process and without HTTP or Kafka: its `Runtime` built
from the service's own definition (SQLite store, filesystem blob store, both local
projectors following the event log, `on_start` creating the indexes), minus the broker,
so no outbox relay publishes the events meanwhile.

- locker.deposit_5mb_1000.p50_ms / p99_ms: `DepositService.deposit` of fresh random
  5 MiB content to `group:<id>:students`, a group of 1,000 students, DEPOSITS timed
  deposits after WARMUP, into a store that already holds PREFILL earlier deposits to
  groups of 1,000 (~300k folder entries). The form is a real multipart body (the
  recipients field, then the file), streamed in 64 KiB chunks and read by the endpoint's
  own `deposit_form`. The time covers parsing,
  hashing and storing the content (fsync included), appending the event and waiting for
  the projector to write the 1,001 folder entries (the sender's Historique shows the
  deposit when `deposit` returns). Who may receive is the directory's decision,
  benchmarked by the `directory` suite: here a stub `RecipientPolicy` expands a group to
  its 1,000 students instantly. Floor: 5 MiB streamed to a file with fsync plus one SQLite
  transaction of 1,001 rows, as many times as the timed deposits; no goal (the goal is the
  gateway figure's).
- locker.deposit_5mb_1000.blobs: the same 5 MiB content deposited SAME_CONTENT times to
  the 1,000 students; the files of the blob directory that hold it (content-addressed:
  1 expected, however many recipients and deposits).
- locker.list_page_10k.p50_ms / p99_ms: one teacher's Mon casier of 10,000 received
  documents read from the first page to the last, 50 entries a page with the cursor,
  through the endpoint's own query, `CasierQueries.received` (the entries query and the
  senders' names join),
  in the same store as the deposits above. The locker is built by saving `Document`
  aggregates (the domain's deposit rules) through the repository, as a deposit does, and
  letting the running projector catch up: no file is uploaded for them (a listing never
  reads blobs). The service is then restarted, as a deployment does, so the planner has
  statistics of the data (the store analyses itself when it closes and when it creates
  its indexes), and the whole casier is read once (`.first_pass.p99_ms`, the pages after
  the restart) then LIST_ROUNDS times more, each read followed by its floor's: the same
  pages' SQL on a bare sqlite3 connection to the same store file (same index), rows not
  decoded. The p99 of those rounds against the floor's; goal p99 <= 3 x floor.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import random
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ent_contracts import SYSTEM, Actor
from ent_contracts.directory import Profile, UserRegistered
from ent_contracts.directory_api import Recipient, Verdict
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.blobs import content_key
from ent_kit.logging import setup_logging
from ent_kit.repository import Repository, envelope_for
from ent_kit.runtime import Runtime
from ent_kit.service import spare_the_collector
from ent_kit.storage import Query
from ent_locker.application.deposits import DepositReceipt, DepositService
from ent_locker.application.projections import ACTIVE, ENTRIES, RECEIVED, PeopleProjection
from ent_locker.application.queries import CasierQueries
from ent_locker.domain.model import Document, StoredFile
from ent_locker.entrypoints.http import deposit_form
from ent_locker.service import LOCKER, SERVICE, deposit_service, receipt_signer
from ent_locker.settings import LockerSettings
from opentelemetry.sdk.trace import TracerProvider

from bench import locker_gateway
from bench.locker_floors import deposit_floor, page_floor
from bench.locker_form import CONTENT_TYPE, form
from bench.locker_sizes import (
    CHUNK,
    DEPOSITS,
    DOCUMENT_BYTES,
    GROUP_SIZE,
    GROUPS,
    LIST_ROUNDS,
    LOCKER_DOCUMENTS,
    PAGE_SIZE,
    PREFILL,
    SAME_CONTENT,
    SAVERS,
    SENDERS,
    WARMUP,
)
from bench.report import figure, latency, p99


class GroupPolicy:
    """Stub `RecipientPolicy`: the directory's decision (its own suite) made instantly,
    a group expanded to its students, nobody refused."""

    def __init__(self, groups: dict[str, list[str]]) -> None:
        self.groups = groups

    async def reachable(self, sender_id: str, recipients: list[Recipient]) -> Verdict:
        (recipient,) = recipients
        group_id, role = recipient.audience()
        assert role == "students", recipient
        return Verdict(allowed=list(self.groups[group_id]), refused=[])


def ids(rng: random.Random, count: int) -> list[str]:
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


async def streamed(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


OUT_OF_REACH = 10**9


async def start_locker(tmp: Path, db: str = "locker.db") -> Runtime:
    """The service's runtime: store, blobs, projectors, indexes (`on_start`); no broker."""
    settings = LockerSettings(
        service_name="locker",
        store_url=f"sqlite://{tmp}/{db}",
        blob_url=f"file://{tmp}/blobs",
        receipt_key="x" * 40,
        directory_url="http://directory.invalid",  # never called: see GroupPolicy
        max_document_bytes=100 * 2**20,
        quota_bytes=2**50,
        # Deposit limits that never interfere: the bench deposits to 1,000 again and again.
        deposit_limit_per_hour=OUT_OF_REACH,
        deposit_limit_per_day=OUT_OF_REACH,
        deposit_limit_recipients_per_hour=OUT_OF_REACH,
        deposit_limit_recipients_per_day=OUT_OF_REACH,
        deposit_limit_elevated_per_hour=OUT_OF_REACH,
        deposit_limit_elevated_per_day=OUT_OF_REACH,
        deposit_limit_elevated_recipients_per_hour=OUT_OF_REACH,
        deposit_limit_elevated_recipients_per_day=OUT_OF_REACH,
    )
    definition = dataclasses.replace(SERVICE, uses_broker=False, subscriptions=(), periodic=())
    runtime = Runtime(definition, settings, TracerProvider())
    await runtime.start()
    spare_the_collector()  # as the service does before it serves
    return runtime


# --- deposit_5mb_1000 ------------------------------------------------------------------


async def timed_deposit(
    service: DepositService, sender: Identity, group_id: str, name: str, content: bytes
) -> tuple[float, DepositReceipt]:
    body = form(group_id, name, content)
    started = time.perf_counter()
    receipt = await service.deposit(sender, await deposit_form(CONTENT_TYPE, streamed(body)))
    return (time.perf_counter() - started) * 1000, receipt


def files_holding(root: Path, size: int, sha256: str) -> int:
    """Files anywhere under the blob directory (temporary ones included) with that content."""
    found = 0
    for path in root.rglob("*"):
        if path.is_file() and path.stat().st_size == size:
            with path.open("rb") as file:
                found += hashlib.file_digest(file, "sha256").hexdigest() == sha256
    return found


async def deposits(runtime: Runtime, rng: random.Random, tmp: Path) -> None:
    teachers = ids(rng, GROUPS)
    groups = {group_id: ids(rng, GROUP_SIZE) for group_id in ids(rng, GROUPS)}
    # As the service builds it.
    service = deposit_service(runtime, GroupPolicy(groups), receipt_signer(runtime))
    for i in range(PREFILL):
        group_id = list(groups)[i % GROUPS]
        sender = Identity(user_id=teachers[i % GROUPS], profile="teacher")
        content = rng.randbytes(rng.randrange(20_000, 200_000))
        await timed_deposit(service, sender, group_id, f"Document {i + 1}.pdf", content)
    group_id, students = next(iter(groups.items()))
    sender = Identity(user_id=teachers[0], profile="teacher")
    timings: list[float] = []
    for i in range(WARMUP + DEPOSITS):
        content = rng.randbytes(DOCUMENT_BYTES)
        elapsed, receipt = await timed_deposit(
            service, sender, group_id, f"Sujet {i + 1}.pdf", content
        )
        assert receipt.recipient_ids == students
        assert not receipt.refused
        assert receipt.sha256 == hashlib.sha256(content).hexdigest()
        if i >= WARMUP:
            timings.append(elapsed)
    floor, _ = await asyncio.to_thread(
        deposit_floor, tmp / "floor", len(timings), DOCUMENT_BYTES, GROUP_SIZE + 1, CHUNK
    )
    latency("locker.deposit_5mb_1000", timings, floor)

    content = rng.randbytes(DOCUMENT_BYTES)
    sha256 = hashlib.sha256(content).hexdigest()
    for i in range(SAME_CONTENT):
        _, receipt = await timed_deposit(service, sender, group_id, f"Corrigé ({i}).pdf", content)
        assert receipt.sha256 == sha256
    blobs = await asyncio.to_thread(files_holding, tmp / "blobs", DOCUMENT_BYTES, sha256)
    figure("locker.deposit_5mb_1000.blobs", blobs, "count")


# --- list_page_10k ---------------------------------------------------------------------


async def register_people(runtime: Runtime, people: list[UserRegistered]) -> None:
    """The names the directory publishes, applied by the locker's own `PeopleProjection`
    (normally fed from Kafka; it reads only the event: one envelope stands for all)."""
    projection = PeopleProjection()
    envelope = envelope_for(people[0], "bench", 1, SYSTEM)
    async with runtime.storage.documents.transaction() as tx:
        for person in people:
            await projection.apply(tx, envelope, person)


def person(user_id: str, n: int, profile: Profile) -> UserRegistered:
    first, last = ("Camille", "Léa", "Hugo", "Jade")[n % 4], ("Martin", "Petit", "Durand")[n % 3]
    return UserRegistered(
        user_id=user_id,
        school_id="school-1",
        login=f"{first}.{last}.{n}".lower(),
        first_name=first,
        last_name=last,
        profile=profile,
    )


async def fill_locker(runtime: Runtime, rng: random.Random, teacher: str) -> None:
    """LOCKER_DOCUMENTS deposits into the teacher's locker over a school year, from SENDERS
    people; one in four also goes to a colleague. Saved SAVERS at a time, like concurrent
    requests, then the projector is waited for."""
    senders, colleagues = ids(rng, SENDERS), ids(rng, 5)
    profiles: tuple[Profile, ...] = ("student", "parent", "teacher")
    await register_people(
        runtime,
        [person(u, n, profiles[n % 3]) for n, u in enumerate([teacher, *senders, *colleagues])],
    )
    repository = Repository(runtime.storage.events, Document, runtime.signal)
    year = datetime(2025, 9, 1, 8, tzinfo=UTC)
    plan = iter(range(LOCKER_DOCUMENTS))
    last = 0

    async def saver() -> None:
        nonlocal last
        for i in plan:
            sender = rng.choice(senders)
            recipients = [teacher, *([rng.choice(colleagues)] if i % 4 == 0 else [])]
            sha256 = hashlib.sha256(i.to_bytes(4, "big")).hexdigest()
            document = Document(new_event_id())
            document.deposit_into_lockers(
                sender_id=sender,
                recipient_ids=recipients,
                file=StoredFile(
                    file_name=f"Devoir {i + 1}.pdf",
                    media_type="application/pdf",
                    size=rng.randrange(20_000, 3_000_000),
                    sha256=sha256,
                    blob_key=content_key(sha256),
                ),
                at=year + timedelta(seconds=2_500 * i + rng.randrange(2_000)),
            )
            position = await repository.save(document, Actor(kind="user", id=sender))
            last = max(last, position)

    await asyncio.gather(*(saver() for _ in range(SAVERS)))
    await runtime.projectors[LOCKER.name].caught_up(last, timeout=600)


def page_query(owner_id: str, cursor: str | None) -> Query:
    """The store query of a page of Mon casier (as `CasierQueries.received` makes it)."""
    return Query(
        where={"owner_id": owner_id, "folder": RECEIVED, "state": ACTIVE},
        order_by=[("deposited_at", "desc")],
        limit=PAGE_SIZE,
        after=cursor,
    )


async def read_locker(runtime: Runtime, teacher: str) -> tuple[list[float], list[Query]]:
    """Every page of Mon casier, newest first; milliseconds per page, and the store query
    of each page (for its floor)."""
    me = Identity(user_id=teacher, profile="teacher")
    queries = CasierQueries(runtime.storage.documents, runtime.blobs)
    timings: list[float] = []
    seen: list[tuple[datetime, str]] = []
    cursor: str | None = None
    pages: list[Query] = []
    while True:
        pages.append(page_query(teacher, cursor))
        started = time.perf_counter()
        page = await queries.received(me, cursor, PAGE_SIZE)
        timings.append((time.perf_counter() - started) * 1000)
        assert all(e.sender_name for e in page.items)
        seen += [(e.deposited_at, e.document_id) for e in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == LOCKER_DOCUMENTS, len(seen)
    assert seen == sorted(seen, reverse=True)
    return timings, pages


async def listing(tmp: Path, rng: random.Random) -> None:
    teacher = ids(rng, 1)[0]
    runtime = await start_locker(tmp)
    try:
        await fill_locker(runtime, rng, teacher)
    finally:
        await runtime.stop()
    runtime = await start_locker(tmp)  # a restart, as after a deployment
    timings: list[float] = []
    floors: list[float] = []
    try:
        first, pages = await read_locker(runtime, teacher)
        for _ in range(LIST_ROUNDS):
            timings += (await read_locker(runtime, teacher))[0]
            _, samples = await asyncio.to_thread(page_floor, tmp / "locker.db", ENTRIES, pages)
            floors += samples
    finally:
        await runtime.stop()
    latency("locker.list_page_10k", timings, p99(floors), goal_ratio=3)
    figure("locker.list_page_10k.first_pass.p99_ms", p99(first), "ms")
    figure("locker.list_page_10k.pages", len(pages), "count")


async def build_locker(directory: Path, teacher: str) -> None:
    """The teacher's Mon casier of LOCKER_DOCUMENTS, built as `listing` builds it, in the
    store a platform's locker then starts on (`directory`/store.db): see `locker_gateway`."""
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    runtime = await start_locker(directory, "store.db")
    try:
        await fill_locker(runtime, random.Random(20_250_902), teacher)
    finally:
        await runtime.stop()


async def run() -> None:
    # The service's own logging, at WARNING: a failing projector still shows.
    setup_logging("locker", "WARNING")
    rng = random.Random(20_250_901)
    with tempfile.TemporaryDirectory(prefix="bench-locker-") as tmp:
        runtime = await start_locker(Path(tmp))
        try:
            await deposits(runtime, rng, Path(tmp))
        finally:
            await runtime.stop()
        await listing(Path(tmp), rng)
    await locker_gateway.run(build_locker)
