"""Suite `mail`, its setting: the constants, the services served in this process (the
directory with the demo collège, the Messagerie), the tokens, and the prefill of a
teacher's inbox. `ENT_BENCH_QUICK=1` shrinks the counts
(for development: its figures are noise)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from ent_contracts import SYSTEM, Actor
from ent_contracts.directory import UserRegistered
from ent_contracts.mail import MessageSent
from ent_devstack.stack import free_port
from ent_directory.domain.demo_school import SCHOOL_ID, DemoUser
from ent_directory.service import SERVICE as DIRECTORY
from ent_directory.settings import DirectorySettings
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.dev_keys import DevKeys
from ent_kit.http import create_app
from ent_kit.repository import Repository, envelope_for
from ent_kit.runtime import Runtime
from ent_kit.storage import DocumentStore
from ent_mail.application.projections import PeopleProjection
from ent_mail.application.sending import conversation_stream
from ent_mail.domain.conversation import Conversation
from ent_mail.service import SERVICE as MAIL
from ent_mail.settings import MailSettings
from litestar import Litestar
from opentelemetry.sdk.trace import TracerProvider

QUICK = os.environ.get("ENT_BENCH_QUICK", "") not in ("", "0")

T = TypeVar("T")
KEYS = DevKeys.generate()  # this run's user-token and service keys
ISSUER = "ent-gateway"
SENDER_LOGIN = "prof.francais"  # teaches every class: may write to its students and parents
READER_LOGIN = "prof.mathematiques"
RECIPIENTS = 200
WARMUP = 1 if QUICK else 3
SENDS = 5 if QUICK else 50
INBOX_MESSAGES = 600 if QUICK else 10_000
OTHERS = 3  # colleagues each prefilled message also goes to
SAVERS = 16  # concurrent appends while the inbox is built (group commit)
PAGE_SIZE = 50
UNREAD_READS = 50 if QUICK else 500
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


def mail_store(tmp: Path) -> Path:
    return tmp / "mail.db"


def mail_runtime(tmp: Path, directory_url: str) -> Runtime:
    """The Messagerie's runtime: store, blobs, local projectors, indexes; no broker, no
    subscriptions (names are fed by `register_people`), no periodic jobs."""
    settings = MailSettings(
        service_name="mail",
        user_token_public_key=KEYS.user_token_public_key,
        service_signing_key=KEYS.service_keys["mail"],
        auth_issuer=ISSUER,
        store_url=f"sqlite://{mail_store(tmp)}",
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


@dataclass(frozen=True)
class Clients:
    mail: httpx.AsyncClient  # the Messagerie
    empty: httpx.AsyncClient  # the empty Litestar app, for the floors
    runtime: Runtime  # the Messagerie's, to check and to read its store through the kit
    store: Path  # its SQLite file, read bare by the floors

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
