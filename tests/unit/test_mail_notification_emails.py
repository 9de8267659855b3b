"""Notification e-mails (seed 002): a recipient who set an address is told by e-mail that a
message arrived. A real SQLite store, the notification outbox projection running, and a
real SMTP server (aiosmtpd on a free local port) behind the real SmtpNotifier: what
arrives, what never does (the sender's own message, the body), retries with backoff
(`now` injected, nothing sleeps), giving up, the address and its HTTP API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from directory_fixtures import Client, bearer
from ent_contracts import decode_payload
from ent_contracts.mail import (
    MessageSent,
    NotificationAddressSet,
    NotificationFailed,
    NotificationSent,
)
from ent_kit.auth import Identity
from ent_kit.errors import Refused
from ent_kit.http import create_app
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.runtime import Runtime, ServiceDefinition, provide
from ent_kit.settings import ServiceSettings
from ent_kit.signal import AppendSignal
from ent_kit.storage import Query, Storage
from ent_mail.adapters.smtp import SmtpNotifier
from ent_mail.application.notification_outbox import (
    EMAIL_QUEUE,
    NotificationsOutboxProjection,
    queue_id,
    stamp,
)
from ent_mail.application.notifying import (
    RELAY_NOT_CONFIGURED,
    Backoff,
    EmailDispatcher,
    NotificationSettingsService,
    notification_stream,
)
from ent_mail.application.projections import PEOPLE
from ent_mail.domain.conversation import Conversation
from ent_mail.domain.notification_settings import (
    NotificationSettings,
    checked_address,
    notification_settings_id,
)
from ent_mail.entrypoints.notifications_settings import NotificationSettingsController
from kit_fixtures import TEST_KEYS, StorageOpener, storage, storage_opener
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider
from smtp_fixtures import Relay, SmtpServer, relay, server

__all__ = ["relay", "server", "storage", "storage_opener"]

NO_REPLY = "ne-pas-repondre@ent.example.fr"
TEACHER = Identity(user_id="teacher-1", profile="teacher")
PARENT = Identity(user_id="parent-1", profile="parent")
OTHER_PARENT = Identity(user_id="parent-2", profile="parent")
STUDENT = Identity(user_id="student-1", profile="student")
TEACHER_ADDRESS = "c.lefevre@college.example.fr"
PARENT_ADDRESS = "parent.martin@famille.example"
OTHER_PARENT_ADDRESS = "dupont@famille.example"
SUBJECT = "Sortie au musée d'Orsay, élèves de 6e A"
BODY = "Léa a eu 4/20 au contrôle et semble très fatiguée en classe."
SENT_AT = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


@dataclass
class World:
    storage: Storage
    signal: AppendSignal
    projector: LocalProjector
    relay: Relay
    server: SmtpServer
    settings: NotificationSettingsService
    conversations: Repository[Conversation]
    sent: list[str] = field(default_factory=list)

    def notifier(self) -> SmtpNotifier:
        return SmtpNotifier("127.0.0.1", self.server.port, NO_REPLY, timeout_s=2)

    def dispatcher(self, *, backoff: Backoff | None = None, relay: bool = True) -> EmailDispatcher:
        return EmailDispatcher(
            self.storage.documents,
            self.storage.events,
            self.signal,
            self.notifier() if relay else None,
            projector=self.projector,
            backoff=backoff,
        )

    async def set_address(self, who: Identity, address: str | None) -> None:
        await self.settings.set(who, address)

    async def send(
        self,
        *,
        to: list[str],
        cc: list[str] | None = None,
        bcc: list[str] | None = None,
        sender: Identity = TEACHER,
    ) -> str:
        number = len(self.sent) + 1
        message = MessageSent(
            conversation_id=f"c-{number}",
            message_id=f"m-{number}",
            sender_id=sender.user_id,
            to=to,
            cc=cc or [],
            bcc=bcc or [],
            reply_mode="all",
            subject=SUBJECT,
            body_html=f"<p>{BODY}</p>",
            body_text=BODY,
            sent_at=SENT_AT,
        )
        saved = await self.conversations.update(
            f"conversation:c-{number}", lambda c: c.send(message), sender.actor, create=True
        )
        await self.projector.caught_up(saved.position)
        self.sent.append(message.message_id)
        return message.message_id

    async def queue(self) -> dict[str, dict[str, Any]]:
        page = await self.storage.documents.find(EMAIL_QUEUE, Query(limit=1000))
        return {doc["id"]: doc for doc in page.items}

    async def outcome(self, message_id: str, who: Identity) -> Any:
        """How the e-mail ended (NotificationSent or NotificationFailed), None if not yet."""
        stream = await self.storage.events.read_stream(notification_stream(message_id, who.user_id))
        assert len(stream) <= 1
        return decode_payload(stream[0]) if stream else None


@pytest.fixture
async def world(storage: Storage, relay: Relay, server: SmtpServer) -> AsyncIterator[World]:
    signal = AppendSignal()
    projector = LocalProjector(storage, NotificationsOutboxProjection(), signal)
    running = asyncio.create_task(projector.run())
    settings = NotificationSettingsService(
        Repository(storage.events, NotificationSettings, signal), storage.documents, projector
    )
    async with storage.documents.transaction() as tx:
        await tx.put(PEOPLE, TEACHER.user_id, {"display_name": "Claire Lefèvre"})
    try:
        yield World(
            storage,
            signal,
            projector,
            relay,
            server,
            settings,
            Repository(storage.events, Conversation, signal),
        )
    finally:
        await projector.stop()
        await running


def at(seconds: float) -> datetime:
    return SENT_AT + timedelta(seconds=seconds)


# --- what arrives ---------------------------------------------------------------------


async def test_each_recipient_with_an_address_gets_one_email(world: World) -> None:
    await world.set_address(PARENT, PARENT_ADDRESS)
    await world.set_address(OTHER_PARENT, OTHER_PARENT_ADDRESS)  # STUDENT set none
    message_id = await world.send(
        to=[PARENT.user_id], cc=[STUDENT.user_id], bcc=[OTHER_PARENT.user_id]
    )

    sent = await world.dispatcher().run_once(at(1))

    assert sent == 2
    assert {e.mail_from for e in world.relay.envelopes} == {NO_REPLY}
    messages = world.relay.messages()
    assert set(messages) == {PARENT_ADDRESS, OTHER_PARENT_ADDRESS}
    for address, message in messages.items():
        assert message["From"] == NO_REPLY
        assert message["To"] == address
        assert message["Subject"] == f"Nouveau message : {SUBJECT}"
        text = message.get_content()
        assert "Claire Lefèvre" in text
        assert f"« {SUBJECT} »" in text
        assert "Connectez-vous à l'ENT" in text
        assert "4/20" not in text
        assert "fatiguée" not in text
    assert await world.queue() == {}
    for who in (PARENT, OTHER_PARENT):
        outcome = await world.outcome(message_id, who)
        assert isinstance(outcome, NotificationSent)
        assert outcome.attempts == 1
    assert await world.outcome(message_id, STUDENT) is None


async def test_a_second_run_sends_nothing_more(world: World) -> None:
    await world.set_address(PARENT, PARENT_ADDRESS)
    await world.send(to=[PARENT.user_id])
    dispatcher = world.dispatcher()
    assert await dispatcher.run_once(at(1)) == 1

    assert await dispatcher.run_once(at(2)) == 0
    assert await dispatcher.run_once(at(3600)) == 0
    assert len(world.relay.envelopes) == 1
    assert world.relay.tries == 1


async def test_a_settled_email_is_not_sent_again_while_the_projection_lags(
    world: World,
) -> None:
    await world.set_address(PARENT, PARENT_ADDRESS)
    message_id = await world.send(to=[PARENT.user_id])
    await world.projector.stop()  # NotificationSent will not take the entry off for now
    dispatcher = EmailDispatcher(
        world.storage.documents, world.storage.events, world.signal, world.notifier()
    )

    assert await dispatcher.run_once(at(1)) == 1
    assert list(await world.queue()) == [queue_id(message_id, PARENT.user_id)]
    assert await dispatcher.run_once(at(2)) == 0

    assert world.relay.tries == 1


async def test_the_sender_is_never_notified_of_their_own_message(world: World) -> None:
    await world.set_address(TEACHER, TEACHER_ADDRESS)
    await world.set_address(PARENT, PARENT_ADDRESS)
    # Writing to oneself too (in cc): the copy is there, the e-mail is not.
    await world.send(to=[PARENT.user_id], cc=[TEACHER.user_id])

    assert await world.dispatcher().run_once(at(1)) == 1

    assert set(world.relay.messages()) == {PARENT_ADDRESS}


async def test_nothing_is_sent_before_it_is_due_nor_inside_the_send(world: World) -> None:
    await world.set_address(PARENT, PARENT_ADDRESS)
    message_id = await world.send(to=[PARENT.user_id])

    # The send is recorded and its e-mail queued; the relay has seen nothing yet.
    assert world.relay.tries == 0
    entry = (await world.queue())[queue_id(message_id, PARENT.user_id)]
    assert entry["address"] == PARENT_ADDRESS
    assert entry["attempts"] == 0
    assert entry["next_at"] == stamp(SENT_AT)
    assert BODY not in str(entry)
    assert await world.dispatcher().run_once(at(-1)) == 0
    assert world.relay.tries == 0


async def test_senders_unknown_to_the_directory_are_named_generically(world: World) -> None:
    await world.set_address(PARENT, PARENT_ADDRESS)
    await world.send(to=[PARENT.user_id], sender=STUDENT)  # no PEOPLE entry for the student

    assert await world.dispatcher().run_once(at(1)) == 1

    lines = world.relay.messages()[PARENT_ADDRESS].get_content().splitlines()
    assert lines[:2] == ["Bonjour,", ""]
    assert lines[2].startswith("Un utilisateur de l'ENT vous a envoyé un message")


# --- a failing relay ------------------------------------------------------------------


async def test_a_refusing_relay_is_retried_after_backoff(world: World) -> None:
    await world.set_address(PARENT, PARENT_ADDRESS)
    message_id = await world.send(to=[PARENT.user_id])
    world.relay.refusals = 1
    dispatcher = world.dispatcher()

    assert await dispatcher.run_once(at(1)) == 0

    entry = (await world.queue())[queue_id(message_id, PARENT.user_id)]
    assert entry["attempts"] == 1
    assert entry["next_at"] == stamp(at(31))
    assert "451" in entry["last_error"]
    assert await world.outcome(message_id, PARENT) is None
    # Not due yet: the relay is left alone.
    assert await dispatcher.run_once(at(20)) == 0
    assert world.relay.tries == 1
    # Due: delivered this time.
    assert await dispatcher.run_once(at(31)) == 1
    assert set(world.relay.messages()) == {PARENT_ADDRESS}
    outcome = await world.outcome(message_id, PARENT)
    assert isinstance(outcome, NotificationSent)
    assert outcome.attempts == 2
    assert await world.queue() == {}


async def test_a_relay_down_then_back_delivers_later(world: World) -> None:
    await world.set_address(PARENT, PARENT_ADDRESS)
    message_id = await world.send(to=[PARENT.user_id])
    world.server.stop()
    dispatcher = world.dispatcher()

    assert await dispatcher.run_once(at(1)) == 0
    assert await dispatcher.run_once(at(31)) == 0

    entry = (await world.queue())[queue_id(message_id, PARENT.user_id)]
    assert entry["attempts"] == 2
    assert entry["next_at"] == stamp(at(31 + 60))  # 30 s, then 60 s
    world.server.start()
    assert await dispatcher.run_once(at(91)) == 1
    assert set(world.relay.messages()) == {PARENT_ADDRESS}
    outcome = await world.outcome(message_id, PARENT)
    assert isinstance(outcome, NotificationSent)
    assert outcome.attempts == 3


async def test_the_backoff_doubles_up_to_an_hour() -> None:
    backoff = Backoff()

    delays = [backoff.delay(failures).total_seconds() for failures in range(1, 10)]

    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


async def test_one_refused_recipient_does_not_hold_the_others(world: World) -> None:
    await world.set_address(PARENT, PARENT_ADDRESS)
    await world.set_address(OTHER_PARENT, OTHER_PARENT_ADDRESS)
    message_id = await world.send(to=[PARENT.user_id, OTHER_PARENT.user_id])
    world.relay.refused_address = OTHER_PARENT_ADDRESS

    assert await world.dispatcher().run_once(at(1)) == 1

    assert set(world.relay.messages()) == {PARENT_ADDRESS}
    assert list(await world.queue()) == [queue_id(message_id, OTHER_PARENT.user_id)]


async def test_given_up_after_max_attempts(world: World) -> None:
    await world.set_address(PARENT, PARENT_ADDRESS)
    message_id = await world.send(to=[PARENT.user_id])
    world.relay.refusals = 100
    dispatcher = world.dispatcher(backoff=Backoff(max_attempts=3))

    for now in (at(1), at(31), at(91)):  # 30 s, then 60 s after each failure
        assert await dispatcher.run_once(now) == 0

    failed = await world.outcome(message_id, PARENT)
    assert isinstance(failed, NotificationFailed)
    assert failed.attempts == 3
    assert "451" in failed.error
    assert await world.queue() == {}
    assert await dispatcher.run_once(at(86_400)) == 0
    assert world.relay.tries == 3


async def test_without_a_relay_the_entries_are_given_up_not_kept(world: World) -> None:
    await world.set_address(PARENT, PARENT_ADDRESS)
    message_id = await world.send(to=[PARENT.user_id])

    assert await world.dispatcher(relay=False).run_once(at(1)) == 0

    failed = await world.outcome(message_id, PARENT)
    assert isinstance(failed, NotificationFailed)
    assert failed.error == RELAY_NOT_CONFIGURED
    assert await world.queue() == {}


async def test_the_queue_survives_a_restart(
    storage_opener: StorageOpener, relay: Relay, server: SmtpServer
) -> None:
    first = await storage_opener.open()
    signal = AppendSignal()
    projector = LocalProjector(first, NotificationsOutboxProjection(), signal)
    running = asyncio.create_task(projector.run())
    settings = NotificationSettingsService(
        Repository(first.events, NotificationSettings, signal), first.documents, projector
    )
    await settings.set(PARENT, PARENT_ADDRESS)
    message = MessageSent(
        conversation_id="c-1",
        message_id="m-1",
        sender_id=TEACHER.user_id,
        to=[PARENT.user_id],
        reply_mode="all",
        subject=SUBJECT,
        body_html="<p>…</p>",
        body_text="…",
        sent_at=SENT_AT,
    )
    saved = await Repository(first.events, Conversation, signal).update(
        "conversation:c-1", lambda c: c.send(message), TEACHER.actor, create=True
    )
    await projector.caught_up(saved.position)
    await projector.stop()
    await running
    await storage_opener.close(first)  # the process dies before any e-mail went out

    second = await storage_opener.open()
    notifier = SmtpNotifier("127.0.0.1", server.port, NO_REPLY)
    dispatcher = EmailDispatcher(second.documents, second.events, AppendSignal(), notifier)

    assert await dispatcher.run_once(at(1)) == 1
    assert set(relay.messages()) == {PARENT_ADDRESS}


# --- the address ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("parent.martin@famille.example", "parent.martin@famille.example"),
        ("  Parent.Martin+ent@Famille.EXAMPLE.fr ", "Parent.Martin+ent@famille.example.fr"),
        ("o'neil@sub.domaine-ecole.fr", "o'neil@sub.domaine-ecole.fr"),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_well_formed_addresses_are_kept(given: str | None, kept: str | None) -> None:
    assert checked_address(given) == kept


@pytest.mark.parametrize(
    "given",
    [
        "parent",
        "parent@",
        "@famille.fr",
        "parent@famille",
        "parent@famille.f",
        "par ent@famille.fr",
        "parent@@famille.fr",
        "parent@autre@famille.fr",
        "Parent Martin <parent@famille.fr>",
        "<parent@famille.fr>",
        "parent@famille.fr (maison)",
        "parent@famille.fr\r\nBcc: tous@ent.example.fr",
        "parent@famille.fr\x00",
        "parent\t@famille.fr",
        ".parent@famille.fr",
        "parent.@famille.fr",
        "par..ent@famille.fr",
        "parent@-famille.fr",
        "parent@famille-.fr",
        "parent@famille..fr",
        "parent@.famille.fr",
        "parent@127.0.0.1",
        "parent@[127.0.0.1]",
        "élodie@famille.fr",
        "parent@écoles.fr",
        '"parent"@famille.fr',
        "a,b@famille.fr",
        f"{'x' * 65}@famille.fr",
    ],
)
def test_malformed_addresses_are_refused(given: str) -> None:
    with pytest.raises(Refused) as refused:
        checked_address(given)

    assert (refused.value.field, refused.value.reason) == ("address", "invalid_address")


def test_a_too_long_address_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        checked_address(f"{'a' * 60}@{'b.' * 100}fr")

    assert refused.value.reason == "address_too_long"
    assert "254" in refused.value.message


def test_an_unchanged_address_triggers_nothing() -> None:
    settings = NotificationSettings(notification_settings_id(PARENT.user_id))
    settings.set_address(PARENT_ADDRESS)
    settings.mark_saved()

    settings.set_address(PARENT_ADDRESS)
    settings.set_address("  parent.martin@FAMILLE.example ")  # the same once normalized

    assert settings.pending() == []
    settings.set_address("Parent.Martin@famille.example")  # a local part may be case-sensitive
    assert len(settings.pending()) == 1


def test_the_event_names_its_owner() -> None:
    settings = NotificationSettings(notification_settings_id(PARENT.user_id))

    settings.set_address(PARENT_ADDRESS)
    settings.set_address(None)

    assert settings.pending() == [
        NotificationAddressSet(user_id=PARENT.user_id, address=PARENT_ADDRESS),
        NotificationAddressSet(user_id=PARENT.user_id, address=None),
    ]


async def test_the_owner_sets_reads_and_clears_their_address(world: World) -> None:
    assert (await world.settings.get(PARENT)).address is None

    saved = await world.settings.set(PARENT, " parent.martin@Famille.Example ")

    assert saved.address == PARENT_ADDRESS
    assert (await world.settings.get(PARENT)).address == PARENT_ADDRESS
    assert (await world.settings.get(OTHER_PARENT)).address is None
    await world.settings.set(PARENT, PARENT_ADDRESS)  # unchanged: nothing appended
    stream = notification_settings_id(PARENT.user_id)
    assert len(await world.storage.events.read_stream(stream)) == 1
    assert (await world.settings.set(PARENT, None)).address is None
    assert (await world.settings.get(PARENT)).address is None
    assert len(await world.storage.events.read_stream(stream)) == 2


async def test_a_refused_address_keeps_the_previous_one(world: World) -> None:
    await world.settings.set(PARENT, PARENT_ADDRESS)

    with pytest.raises(Refused):
        await world.settings.set(PARENT, "pas une adresse")

    assert (await world.settings.get(PARENT)).address == PARENT_ADDRESS


async def test_a_removed_address_gets_nothing_still_waiting(world: World) -> None:
    await world.set_address(PARENT, PARENT_ADDRESS)
    await world.set_address(OTHER_PARENT, OTHER_PARENT_ADDRESS)
    message_id = await world.send(to=[PARENT.user_id, OTHER_PARENT.user_id])
    world.relay.refusals = 2
    dispatcher = world.dispatcher()
    assert await dispatcher.run_once(at(1)) == 0  # both wait for a retry

    await world.set_address(PARENT, None)

    assert list(await world.queue()) == [queue_id(message_id, OTHER_PARENT.user_id)]
    assert await dispatcher.run_once(at(31)) == 1
    assert set(world.relay.messages()) == {OTHER_PARENT_ADDRESS}
    # Messages sent after the removal queue nothing for them.
    await world.send(to=[PARENT.user_id])
    assert await world.queue() == {}


async def test_a_changed_address_gets_what_was_waiting(world: World) -> None:
    await world.set_address(PARENT, "ancienne@famille.example")
    await world.send(to=[PARENT.user_id])
    world.relay.refusals = 1
    dispatcher = world.dispatcher()
    assert await dispatcher.run_once(at(1)) == 0

    await world.set_address(PARENT, PARENT_ADDRESS)

    assert await dispatcher.run_once(at(31)) == 1
    assert set(world.relay.messages()) == {PARENT_ADDRESS}


# --- HTTP -------------------------------------------------------------------------------


def settings_service() -> ServiceDefinition:
    projection = NotificationsOutboxProjection()

    def build(runtime: Runtime) -> NotificationSettingsService:
        return NotificationSettingsService(
            Repository(runtime.storage.events, NotificationSettings, runtime.signal),
            runtime.storage.documents,
            runtime.projectors[projection.name],
        )

    return ServiceDefinition(
        name="mail",
        controllers=[NotificationSettingsController],
        dependencies=lambda runtime: {"notification_settings": provide(lambda: build(runtime))},
        local_projections=[projection],
        uses_broker=False,
        uses_blobs=False,
    )


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = ServiceSettings(
        service_name="mail", **TEST_KEYS.settings("mail"), store_url=f"sqlite://{tmp_path}/mail.db"
    )
    runtime = Runtime(settings_service(), settings, TracerProvider())
    async with AsyncTestClient(create_app(runtime)) as test_client:
        yield test_client


async def test_http_the_owner_sets_and_reads_their_address(client: Client) -> None:
    path = "/mail/settings/notifications"
    assert (await client.get(path, headers=bearer(PARENT))).json() == {"address": None}

    response = await client.put(
        path, json={"address": "Parent.Martin@Famille.example"}, headers=bearer(PARENT)
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"address": "Parent.Martin@famille.example"}
    assert (await client.get(path, headers=bearer(PARENT))).json() == {
        "address": "Parent.Martin@famille.example"
    }
    assert (await client.get(path, headers=bearer(OTHER_PARENT))).json() == {"address": None}
    cleared = await client.put(path, json={"address": None}, headers=bearer(PARENT))
    assert cleared.json() == {"address": None}
    assert (await client.get(path, headers=bearer(PARENT))).json() == {"address": None}


async def test_http_refusals(client: Client) -> None:
    path = "/mail/settings/notifications"

    malformed = await client.put(path, json={"address": "parent@"}, headers=bearer(PARENT))
    missing = await client.put(path, json={}, headers=bearer(PARENT))
    anonymous = await client.get(path)

    assert malformed.status_code == 400
    problem = malformed.json()
    assert "address" in str(problem)
    assert "invalid_address" in str(problem)
    assert missing.status_code == 400
    assert anonymous.status_code == 401
