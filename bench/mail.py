"""Suite `mail`: a send to 200 recipients, an inbox of 10,000 messages, the unread badge.

Two services run in this process, each as it serves in production (`create_app(runtime)`
from its own definition, wrapped in `IsolatedTraceContext`, served by uvicorn on a free
port of 127.0.0.1), on one event loop, without Kafka:
- the directory, on its own SQLite store, seeded with the demo collège (`demo_seed`);
- the Messagerie, on its own SQLite store, its `directory_url` pointing at the directory,
  so each send makes the real reachability call over HTTP. Without a broker its
  `PeopleProjection` (names) is fed here with the demo users' `UserRegistered`, as Kafka
  would; its periodic jobs (purges, e-mails) are off; its local projectors run. The send
  limits are set out of reach.
Requests are made with an `httpx.AsyncClient` over loopback TCP (keep-alive), with a
bearer token the gateway would issue.

- mail.send_200.p50_ms / p99_ms: POST /mail/messages by a teacher of every class
  (prof.francais) to 200 of his students and their parents, named one by one, SENDS timed
  sends after WARMUP, each a new conversation; answered 201 with `recipients == 200`.
  The time covers the directory's check (HTTP), the append, and the mailbox projection
  writing the 201 copies (200 in Reçus, the sender's in Envoyés) and their counts: the
  service answers only once the mailboxes are updated (read-your-writes).
- mail.send_200_visible.p99_ms: from the same sends' start until the 200 recipients'
  inboxes hold the message: the send, then one read of the 200 inbox copies from the store
  (all present, in Reçus, unread) and the first inbox page (limit 1) of one recipient
  through `MailQueries.folder_page`, which must list it first. Since the send waits for
  the projection, this is the send plus the cost of checking it.
- mail.inbox_page_10k.p50_ms / p99_ms: a teacher (prof.mathematiques) who already received
  INBOX_MESSAGES messages over a school year, each also sent to OTHERS colleagues, reads
  Reçus page by page, PAGE_SIZE a page with the cursor, through GET
  /mail/folders/inbox/messages; all of them once, newest first. The messages are appended
  as `MessageSent` to their conversations through the repository (the domain's rules),
  SAVERS at a time, the projectors waited for; the service is then restarted, as a
  deployment does, so the planner has statistics (the store analyses itself when it
  closes and when it creates its indexes). The sends above land in the same store.
- mail.unread_count.p99_ms: GET /mail/unread-count for that teacher, UNREAD_READS times.

Floors, measured in the same run, interleaved with the requests they stand beside (each
right after its request, so a floor reads pages the request has just warmed: if anything
the floor is flattered and the ratio pessimistic). `<name>.floor_ms` is the p99 of the
floor samples, `<name>.ratio_to_floor` the p99 above divided by it:
- reads (inbox page, unread count): a GET to an empty Litestar handler (a bare app
  answering `{}`, no auth, no tracing) served and called the same way, plus the same rows
  read from the store with no HTTP and no view: `documents.find` over `copies` with the
  listing's query and cursor, `documents.get` of the inbox's `folder_counts`;
- the send: the directory's reachability check for the same 200 recipients over HTTP
  alone (the kit's `DirectoryPolicy`, as mail calls it), plus one store transaction writing the
  402 documents a delivery needs (the message, the sender's copy, 200 copies, 200 counts),
  of the projection's shapes and in its collections, so the same indexes are kept
  (the copies sit in a folder no listing reads);
- the visible send: the send's floor plus the same two checking reads of those documents.
A floor sample is the sum of its separately timed parts, so when a request costs little
more than its floor the two p99 are within noise and the ratio may dip below 1. On
SQLite a 200-recipient delivery dirties ~1,000+ pages (each copy lands in 5 indexes, most led by
the user id), more than the WAL's auto-checkpoint threshold (1,000 pages): the commit that
writes it, the send's as the floor's, also checkpoints the WAL into the database.

Goals from issue #9, not asserted (benchmarks assert no timing): send_200 p99 < 100 ms,
send_200_visible < 500 ms, inbox_page_10k < 30 ms, unread_count < 10 ms.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import msgspec
import uvicorn
from ent_contracts import SYSTEM, Actor
from ent_contracts.directory import UserRegistered
from ent_contracts.directory_api import Recipient
from ent_contracts.mail import MessageSent
from ent_devstack.stack import free_port
from ent_directory.domain.demo_school import SCHOOL_ID, DemoUser, demo_users
from ent_directory.service import SERVICE as DIRECTORY
from ent_directory.settings import DirectorySettings
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.dev_keys import DevKeys
from ent_kit.http import IsolatedTraceContext, create_app
from ent_kit.logging import setup_logging
from ent_kit.peers import PeerClient
from ent_kit.reachability import DirectoryPolicy
from ent_kit.repository import Repository, envelope_for
from ent_kit.runtime import Runtime
from ent_kit.scopes import DIRECTORY_REACHABILITY
from ent_kit.storage import Document, DocumentStore, Query
from ent_mail.application.forms import MessageForm, SentReceipt
from ent_mail.application.mailbox_projection import COPIES, FOLDER_COUNTS, MESSAGES, copy_id
from ent_mail.application.mailbox_projection import count_id as folder_count_id
from ent_mail.application.projections import PeopleProjection
from ent_mail.application.queries import MailQueries
from ent_mail.application.sending import conversation_stream
from ent_mail.application.views import CopyPage, UnreadCount
from ent_mail.domain.conversation import Conversation
from ent_mail.domain.mailbox import INBOX, SENT
from ent_mail.service import SERVICE as MAIL
from ent_mail.settings import MailSettings
from litestar import Litestar, get
from opentelemetry.sdk.trace import TracerProvider

from bench.report import bench, p99

T = TypeVar("T")
KEYS = DevKeys.generate()  # this run's user-token and service keys
ISSUER = "ent-gateway"
SENDER_LOGIN = "prof.francais"  # teaches every class: may write to its students and parents
READER_LOGIN = "prof.mathematiques"
RECIPIENTS = 200
WARMUP = 3
SENDS = 50
INBOX_MESSAGES = 10_000
OTHERS = 3  # colleagues each prefilled message also goes to
SAVERS = 16  # concurrent appends while the inbox is built (group commit)
PAGE_SIZE = 50
UNREAD_READS = 500
OUT_OF_REACH = 1_000_000  # send limits that never interfere
FLOOR_FOLDER = "bench-floor"  # where the floor's copies sit: no listing reads it
SUBJECT = "Sortie au musée : autorisation à rendre"
BODY = (
    "<p>Bonjour à tous,</p><p>La sortie au musée des Beaux-Arts aura lieu jeudi. "
    "Merci de rendre l'autorisation <strong>signée</strong> avant lundi.</p>"
    "<p>Bien cordialement,<br>Le professeur de français</p>"
)


# --- the services ----------------------------------------------------------------------


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """`app` served by uvicorn on a free port of this event loop (its lifespan run: a
    service's runtime starts and stops with it); yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(120):
        while not server.started:  # uvicorn offers a flag, not an event
            if task.done():
                await task
                raise RuntimeError("the server stopped while starting (see the log)")
            await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def directory_app(tmp: Path) -> Litestar:
    """The directory with the demo collège, seeded at start; no broker, no blobs."""
    settings = DirectorySettings(
        service_name="directory",
        user_token_public_key=KEYS.user_token_public_key,
        peer_public_keys=KEYS.settings("directory")["peer_public_keys"],
        auth_issuer=ISSUER,
        store_url=f"sqlite://{tmp}/directory.db",
        demo_seed=True,
    )
    definition = dataclasses.replace(DIRECTORY, uses_broker=False, uses_blobs=False)
    return create_app(Runtime(definition, settings, TracerProvider()))


def mail_runtime(tmp: Path, directory_url: str) -> Runtime:
    """The Messagerie's runtime: store, blobs, local projectors, indexes; no broker, no
    subscriptions (names are fed by `register_people`), no periodic jobs."""
    settings = MailSettings(
        service_name="mail",
        user_token_public_key=KEYS.user_token_public_key,
        service_signing_key=KEYS.service_keys["mail"],
        auth_issuer=ISSUER,
        store_url=f"sqlite://{tmp}/mail.db",
        blob_url=f"file://{tmp}/blobs",
        directory_url=directory_url,
        locker_url="http://locker.invalid",  # attachments from Mes documents only: unused
        send_limit_messages_per_hour=OUT_OF_REACH,
        send_limit_recipients_per_day=OUT_OF_REACH,
        send_limit_elevated_messages_per_hour=OUT_OF_REACH,
        send_limit_elevated_recipients_per_day=OUT_OF_REACH,
    )
    definition = dataclasses.replace(MAIL, uses_broker=False, subscriptions=(), periodic=())
    return Runtime(definition, settings, TracerProvider())


@get("/empty")
async def empty() -> dict[str, str]:
    return {}


def empty_app() -> Litestar:
    """The least a Litestar GET costs: one handler answering `{}`."""
    return Litestar([empty], logging_config=None)


def bearer(user: DemoUser) -> dict[str, str]:
    identity = Identity(
        user_id=user.user_id,
        profile=user.profile,
        school_id=SCHOOL_ID,
        display_name=f"{user.first_name} {user.last_name}",
    )
    token = KEYS.user_token(identity, timedelta(hours=1))
    return {"authorization": f"Bearer {token}"}


def registration(user: DemoUser) -> UserRegistered:
    return UserRegistered(
        user_id=user.user_id,
        school_id=SCHOOL_ID,
        login=user.login,
        first_name=user.first_name,
        last_name=user.last_name,
        profile=user.profile,
        classes=user.classes,
        function=user.function,
        subjects=user.subjects,
    )


async def register_people(runtime: Runtime, users: list[DemoUser]) -> None:
    """The names the directory publishes, applied by mail's own `PeopleProjection`
    (normally fed from Kafka; it reads only the event: one envelope stands for all)."""
    projection = PeopleProjection()
    people = [registration(u) for u in users]
    envelope = envelope_for(people[0], "bench", 1, SYSTEM)
    async with runtime.storage.documents.transaction() as tx:
        for person in people:
            await projection.apply(tx, envelope, person)


async def timed(work: Awaitable[T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await work
    return (time.perf_counter() - started) * 1000, result


def report(name: str, timings: list[float], floors: list[float], *, p50: bool = True) -> None:
    if p50:
        bench(f"mail.{name}.p50_ms", statistics.median(timings), "ms")
    bench(f"mail.{name}.p99_ms", p99(timings), "ms")
    bench(f"mail.{name}.floor_ms", p99(floors), "ms")
    bench(f"mail.{name}.ratio_to_floor", p99(timings) / p99(floors), "ratio")


@dataclass(frozen=True)
class Clients:
    mail: httpx.AsyncClient  # the Messagerie
    empty: httpx.AsyncClient  # the empty Litestar app, for the floors
    runtime: Runtime  # the Messagerie's, to check and to read its store bare

    @property
    def documents(self) -> DocumentStore:
        return self.runtime.storage.documents


# --- inbox of 10,000: the prefill ------------------------------------------------------


async def fill_inbox(runtime: Runtime, rng: random.Random, users: list[DemoUser]) -> None:
    """INBOX_MESSAGES messages to the reader over a school year, from anyone of the demo
    collège, each also to OTHERS colleagues; SAVERS appends at a time, like concurrent
    sends, then every projector waited for."""
    reader = next(u for u in users if u.login == READER_LOGIN)
    senders = [u.user_id for u in users if u is not reader]
    colleagues = [u.user_id for u in users if u.profile == "teacher" and u is not reader]
    repository = Repository(runtime.storage.events, Conversation, runtime.signal)
    year = datetime(2025, 9, 1, 8, tzinfo=UTC)
    plan = iter(range(INBOX_MESSAGES))
    last = 0

    async def saver() -> None:
        nonlocal last
        for i in plan:
            sender = rng.choice(senders)
            to = [reader.user_id, *rng.sample([c for c in colleagues if c != sender], OTHERS)]
            message = MessageSent(
                conversation_id=new_event_id(),
                message_id=new_event_id(),
                sender_id=sender,
                to=to,
                named_users=to,
                reply_mode="sender_only",
                subject=f"Message {i + 1}",
                body_html=f"<p>Bonjour, voici le message {i + 1}.</p>",
                body_text=f"Bonjour, voici le message {i + 1}.",
                sent_at=year + timedelta(seconds=2_500 * i + rng.randrange(2_000)),
            )
            conversation = Conversation(conversation_stream(message.conversation_id))
            conversation.send(message)
            position = await repository.save(conversation, Actor(kind="user", id=sender))
            last = max(last, position)

    await asyncio.gather(*(saver() for _ in range(SAVERS)))
    for projector in runtime.projectors.values():  # none left behind to run after restart
        await projector.caught_up(last, timeout=600)


# --- send_200 ----------------------------------------------------------------------------


def recipients_of(users: list[DemoUser]) -> list[str]:
    """The first RECIPIENTS students and parents of the collège (demo order: each student
    then their parent), all in the sender's classes."""
    return [u.user_id for u in users if u.profile in ("student", "parent")][:RECIPIENTS]


async def reachability(policy: DirectoryPolicy, sender_id: str, recipients: list[str]) -> None:
    verdict = await policy.reachable(sender_id, [Recipient(user_id=u) for u in recipients])
    assert not verdict.refused, verdict.refused
    assert len(verdict.allowed) == len(recipients), len(verdict.allowed)


async def check_visible(clients: Clients, message_id: str, recipients: list[str]) -> None:
    """All 200 inbox copies in the store, and one recipient's inbox listing it first."""
    copies = await clients.documents.get_many(
        COPIES, [copy_id(message_id, u, INBOX) for u in recipients]
    )
    assert len(copies) == len(recipients), len(copies)
    assert all(c["folder"] == INBOX and not c["read"] for c in copies.values())
    sample = Identity(user_id=recipients[-1], profile="parent")
    page = await MailQueries(clients.documents).folder_page(sample, INBOX, None, 1)
    assert [c.message_id for c in page.items] == [message_id]


async def settled(runtime: Runtime) -> None:
    """Every projector up to the log's end: the work a send leaves behind it (the
    notification queue, the attachments) is done before its floor is timed."""
    last = await runtime.storage.events.last_position()
    for projector in runtime.projectors.values():
        await projector.caught_up(last)


async def write_delivery(documents: DocumentStore, sender_id: str, recipients: list[str]) -> str:
    """The floor's transaction: the documents a delivery writes, of the projection's shapes
    (`mailbox_projection`), written without reading anything first."""
    message_id = new_event_id()
    now = datetime.now(UTC)
    summary: Document = {
        "message_id": message_id,
        "conversation_id": message_id,
        "sender_id": sender_id,
        "subject": SUBJECT,
        "subject_key": SUBJECT.lower(),
        "preview": BODY[:140],
        "kind": "information",
        "reply_mode": "sender_only",
        "sent_at": now,
        "has_attachments": False,
        "category": None,
        "trashed_at": None,
        "folder": FLOOR_FOLDER,
    }
    message: Document = {
        "conversation_id": message_id,
        "sender_id": sender_id,
        "to": recipients,
        "cc": [],
        "bcc": [],
        "audiences": [],
        "reply_mode": "sender_only",
        "kind": "information",
        "subject": SUBJECT,
        "body_html": BODY,
        "body_text": BODY,
        "in_reply_to": None,
        "forwarded_from": None,
        "sent_at": now,
        "attachments": [],
    }
    async with documents.transaction() as tx:
        await tx.put(MESSAGES, message_id, message)
        sender_copy = {**summary, "user_id": sender_id, "home": SENT, "role": "sender"}
        sender_copy["read"] = True
        await tx.put(COPIES, copy_id(message_id, sender_id, FLOOR_FOLDER), sender_copy)
        for user_id in recipients:
            copy = {**summary, "user_id": user_id, "home": INBOX, "role": "to", "read": False}
            await tx.put(COPIES, copy_id(message_id, user_id, FLOOR_FOLDER), copy)
            count = {"user_id": user_id, "folder": FLOOR_FOLDER, "total": 1, "unread": 1}
            await tx.put(FOLDER_COUNTS, folder_count_id(user_id, FLOOR_FOLDER), count)
    return message_id


async def read_delivery(documents: DocumentStore, message_id: str, recipients: list[str]) -> None:
    """The floor of `check_visible`: the same two reads, bare, of the floor's documents."""
    ids = [copy_id(message_id, u, FLOOR_FOLDER) for u in recipients]
    assert len(await documents.get_many(COPIES, ids)) == len(recipients)
    where = {"user_id": recipients[-1], "folder": FLOOR_FOLDER}
    page = await documents.find(COPIES, Query(where=where, order_by=[("sent_at", "desc")], limit=1))
    assert page.items[0]["message_id"] == message_id


async def sends(clients: Clients, users: list[DemoUser], directory_url: str) -> None:
    sender = next(u for u in users if u.login == SENDER_LOGIN)
    recipients = recipients_of(users)
    headers = {**bearer(sender), "content-type": "application/json"}
    body = msgspec.json.encode(
        MessageForm(to=recipients, subject=SUBJECT, body=BODY, reply_mode="sender_only")
    )
    peer = PeerClient(
        directory_url, clients.runtime.settings, callee="directory", scope=DIRECTORY_REACHABILITY
    )
    policy = DirectoryPolicy(peer, field="to")  # as mail's `dependencies` builds it
    await reachability(policy, sender.user_id, recipients)  # the directory agrees: 200 allowed
    sent: list[float] = []
    visible: list[float] = []
    floors: list[float] = []
    visible_floors: list[float] = []
    try:
        for i in range(WARMUP + SENDS):
            started = time.perf_counter()
            response = await clients.mail.post("/mail/messages", content=body, headers=headers)
            answered = time.perf_counter()
            assert response.status_code == 201, response.text
            receipt = msgspec.json.decode(response.content, type=SentReceipt)
            assert receipt.recipients == RECIPIENTS, receipt
            await check_visible(clients, receipt.message_id, recipients)
            seen = time.perf_counter()
            await settled(clients.runtime)  # the send's other projectors done: a quiet floor
            reach_ms, _ = await timed(reachability(policy, sender.user_id, recipients))
            write_ms, floor_id = await timed(
                write_delivery(clients.documents, sender.user_id, recipients)
            )
            read_ms, _ = await timed(read_delivery(clients.documents, floor_id, recipients))
            if i >= WARMUP:
                sent.append((answered - started) * 1000)
                visible.append((seen - started) * 1000)
                floors.append(reach_ms + write_ms)
                visible_floors.append(reach_ms + write_ms + read_ms)
    finally:
        await peer.close()
    report("send_200", sent, floors)
    report("send_200_visible", visible, visible_floors, p50=False)


# --- inbox_page_10k, unread_count --------------------------------------------------------


async def inbox_pages(clients: Clients, reader: DemoUser) -> None:
    """Reçus from the first page to the last; each page followed by its floor."""
    headers = bearer(reader)
    where = {"user_id": reader.user_id, "folder": INBOX}
    timings: list[float] = []
    floors: list[float] = []
    seen: list[tuple[datetime, str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": PAGE_SIZE}
        if cursor is not None:
            params["cursor"] = cursor
        elapsed, response = await timed(
            clients.mail.get("/mail/folders/inbox/messages", params=params, headers=headers)
        )
        assert response.status_code == 200, response.text
        page = msgspec.json.decode(response.content, type=CopyPage)
        empty_ms, _ = await timed(clients.empty.get("/empty", headers=headers))
        query = Query(where=where, order_by=[("sent_at", "desc")], limit=PAGE_SIZE, after=cursor)
        find_ms, rows = await timed(clients.documents.find(COPIES, query))
        assert [r["message_id"] for r in rows.items] == [c.message_id for c in page.items]
        timings.append(elapsed)
        floors.append(empty_ms + find_ms)
        seen += [(c.sent_at, c.message_id) for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len({m for _, m in seen}) == len(seen) == INBOX_MESSAGES, len(seen)
    assert seen == sorted(seen, key=lambda s: s[0], reverse=True), "not newest first"
    report("inbox_page_10k", timings, floors)


async def unread_counts(clients: Clients, reader: DemoUser) -> None:
    headers = bearer(reader)
    key = folder_count_id(reader.user_id, INBOX)
    timings: list[float] = []
    floors: list[float] = []
    for _ in range(UNREAD_READS):
        elapsed, response = await timed(clients.mail.get("/mail/unread-count", headers=headers))
        assert response.status_code == 200, response.text
        count = msgspec.json.decode(response.content, type=UnreadCount)
        assert count.unread == INBOX_MESSAGES, count
        empty_ms, _ = await timed(clients.empty.get("/empty", headers=headers))
        get_ms, doc = await timed(clients.documents.get(FOLDER_COUNTS, key))
        assert doc is not None
        assert doc["unread"] == INBOX_MESSAGES
        timings.append(elapsed)
        floors.append(empty_ms + get_ms)
    report("unread_count", timings, floors, p50=False)


# --- the run ------------------------------------------------------------------------------


async def measure(tmp: Path, directory_url: str, users: list[DemoUser]) -> None:
    """The Messagerie restarted over the prefilled store, served and called over HTTP."""
    runtime = mail_runtime(tmp, directory_url)
    reader = next(u for u in users if u.login == READER_LOGIN)
    async with (
        serving(IsolatedTraceContext(create_app(runtime))) as mail_url,
        serving(empty_app()) as empty_url,
        httpx.AsyncClient(base_url=mail_url, timeout=60) as mail,
        httpx.AsyncClient(base_url=empty_url, timeout=60) as empty_client,
    ):
        clients = Clients(mail, empty_client, runtime)
        await sends(clients, users, directory_url)
        await inbox_pages(clients, reader)
        await unread_counts(clients, reader)


async def run() -> None:
    # The services' own logging, at WARNING: a failing projector still shows.
    setup_logging("mail", "WARNING")
    rng = random.Random(20_250_901)
    users = demo_users()
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as tmp_name:
        tmp = Path(tmp_name)
        async with serving(directory_app(tmp)) as directory_url:
            runtime = mail_runtime(tmp, directory_url)
            await runtime.start()
            try:
                await register_people(runtime, users)
                await fill_inbox(runtime, rng, users)
            finally:
                await runtime.stop()
            await measure(tmp, directory_url, users)  # a restart, as after a deployment
