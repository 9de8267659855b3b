"""E-mails outside the ENT that another service asks for on a user's behalf (a transfer's
link shared with e-mail addresses). A real SQLite store, the notification outbox projection
running, a real SMTP server (aiosmtpd) behind the real SmtpNotifier, and the real route
with real service tokens: what arrives, who may ask, the refusals, the daily allowance,
retries and giving up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from directory_fixtures import Client, bearer, service_bearer
from ent_contracts import decode_payload
from ent_contracts.mail import ExternalEmailFailed, ExternalEmailQueued, ExternalEmailSent
from ent_contracts.mail_api import EXTERNAL_EMAILS_PATH, ExternalEmailRequest
from ent_kit.auth import Identity, service_identity
from ent_kit.errors import Forbidden, Refused, TooMany
from ent_kit.http import create_app
from ent_kit.peers import PeerUnavailable
from ent_kit.projections import LocalProjector
from ent_kit.runtime import Runtime, ServiceDefinition, provide
from ent_kit.scopes import MAIL_EXTERNAL_EMAIL, MAIL_SYSTEM_MESSAGE
from ent_kit.settings import ServiceSettings
from ent_kit.signal import AppendSignal
from ent_kit.storage import Query, Storage
from ent_mail.adapters.smtp import SmtpNotifier
from ent_mail.application.external_emails import ExternalEmails, external_email_stream
from ent_mail.application.notification_outbox import EMAIL_QUEUE, NotificationsOutboxProjection
from ent_mail.application.notifying import Backoff, EmailDispatcher, external_delivery_stream
from ent_mail.entrypoints.writing import MailInternalController
from kit_fixtures import TEST_KEYS, storage
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider
from smtp_fixtures import Relay, SmtpServer, relay, server

__all__ = ["relay", "server", "storage"]

NO_REPLY = "ne-pas-repondre@ent.example.fr"
TRANSFER = service_identity("transfer")
TEACHER = Identity(user_id="teacher-1", profile="teacher")
PER_DAY = 5
NOW = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
SUBJECT = "Claire Lefèvre vous envoie 3 fichiers"
TEXT = "Bonjour,\n\nLes documents de la sortie : https://ent.example/t/abc\n"


def request(*to: str, on_behalf_of: str = TEACHER.user_id) -> ExternalEmailRequest:
    return ExternalEmailRequest(to=list(to), subject=SUBJECT, text=TEXT, on_behalf_of=on_behalf_of)


@dataclass
class World:
    storage: Storage
    signal: AppendSignal
    projector: LocalProjector
    relay: Relay
    server: SmtpServer
    emails: ExternalEmails

    def dispatcher(self, backoff: Backoff | None = None) -> EmailDispatcher:
        notifier = SmtpNotifier("127.0.0.1", self.server.port, NO_REPLY, timeout_s=2)
        return EmailDispatcher(
            self.storage.documents,
            self.storage.events,
            self.signal,
            notifier,
            projector=self.projector,
            backoff=backoff,
        )

    async def queue(self) -> list[dict[str, Any]]:
        return (await self.storage.documents.find(EMAIL_QUEUE, Query(limit=100))).items

    async def outcome(self, email_id: str, recipient: int) -> Any:
        stream = await self.storage.events.read_stream(
            external_delivery_stream(email_id, recipient)
        )
        return decode_payload(stream[0]) if stream else None


@pytest.fixture
async def world(storage: Storage, relay: Relay, server: SmtpServer) -> AsyncIterator[World]:
    signal = AppendSignal()
    projector = LocalProjector(storage, NotificationsOutboxProjection(), signal)
    running = asyncio.create_task(projector.run())
    emails = ExternalEmails(storage.events, signal, storage.documents, projector, PER_DAY)
    try:
        yield World(storage, signal, projector, relay, server, emails)
    finally:
        await projector.stop()
        await running


async def test_each_distinct_address_gets_the_text_from_the_no_reply_address(
    world: World,
) -> None:
    receipt = await world.emails.queue(
        TRANSFER, request("ami@Famille.example", "ami@famille.example", "tuteur@stage.example"), NOW
    )

    assert receipt.queued == 2  # the domain is kept in lower case: one address twice
    assert await world.dispatcher().run_once(NOW + timedelta(seconds=1)) == 2
    messages = world.relay.messages()
    assert set(messages) == {"ami@famille.example", "tuteur@stage.example"}
    assert {e.mail_from for e in world.relay.envelopes} == {NO_REPLY}
    for message in messages.values():
        assert message["Subject"] == SUBJECT
        assert message.get_content().replace("\r\n", "\n").strip() == TEXT.strip()
    for recipient in (0, 1):
        sent = await world.outcome(receipt.email_id, recipient)
        assert isinstance(sent, ExternalEmailSent)
        assert sent.attempts == 1
    assert await world.queue() == []
    [queued] = await world.storage.events.read_stream(external_email_stream(receipt.email_id))
    event = decode_payload(queued)
    assert isinstance(event, ExternalEmailQueued)
    assert (event.requested_by, event.on_behalf_of) == (TRANSFER.user_id, TEACHER.user_id)
    assert await world.dispatcher().run_once(NOW + timedelta(hours=1)) == 0  # sent once


async def test_a_check_only_request_queues_nothing(world: World) -> None:
    ok = msgspec.structs.replace(request("ami@famille.example"), check_only=True)
    bad = msgspec.structs.replace(request("ami@"), check_only=True)

    receipt = await world.emails.queue(TRANSFER, ok, NOW)
    with pytest.raises(Refused):
        await world.emails.queue(TRANSFER, bad, NOW)

    assert (receipt.email_id, receipt.queued) == (None, 1)
    assert await world.queue() == []


async def test_only_a_service_may_ask(world: World) -> None:
    with pytest.raises(Forbidden):
        await world.emails.queue(TEACHER, request("ami@famille.example"), NOW)
    assert await world.queue() == []


@pytest.mark.parametrize("bad", ["pas-une-adresse", "Ami <ami@famille.example>", "  "])
async def test_one_malformed_address_refuses_the_whole_request(world: World, bad: str) -> None:
    with pytest.raises(Refused) as refused:
        await world.emails.queue(TRANSFER, request("ami@famille.example", bad), NOW)

    assert refused.value.field == "to[1]"
    assert await world.queue() == []


async def test_a_user_has_a_daily_allowance(world: World) -> None:
    await world.emails.queue(TRANSFER, request("a@x.example", "b@x.example", "c@x.example"), NOW)

    with pytest.raises(TooMany) as over:
        await world.emails.queue(
            TRANSFER, request("d@x.example", "e@x.example", "f@x.example"), NOW
        )

    assert over.value.field == "to"
    assert over.value.retry_after_s == 16 * 3600  # 08:00 to midnight UTC
    assert len(await world.queue()) == 3
    # Someone else's allowance is their own; the next day the user has theirs again.
    await world.emails.queue(
        TRANSFER, request("d@x.example", "e@x.example", on_behalf_of="teacher-2"), NOW
    )
    tomorrow = NOW + timedelta(days=1)
    await world.emails.queue(TRANSFER, request("d@x.example", "e@x.example"), tomorrow)
    assert len(await world.queue()) == 7


async def test_a_refusing_relay_is_retried_then_given_up(world: World) -> None:
    receipt = await world.emails.queue(TRANSFER, request("ami@famille.example"), NOW)
    world.relay.refusals = 100
    dispatcher = world.dispatcher(Backoff(first_s=30, max_attempts=2))

    assert await dispatcher.run_once(NOW + timedelta(seconds=1)) == 0
    [waiting] = await world.queue()
    assert waiting["attempts"] == 1
    assert await dispatcher.run_once(NOW + timedelta(seconds=2)) == 0  # not due yet
    assert world.relay.tries == 1
    assert await dispatcher.run_once(NOW + timedelta(seconds=32)) == 0

    failed = await world.outcome(receipt.email_id, 0)
    assert isinstance(failed, ExternalEmailFailed)
    assert failed.attempts == 2
    assert "451" in failed.error
    assert await world.queue() == []


# --- HTTP: the route, with real service tokens -------------------------------------------


def internal_service() -> ServiceDefinition:
    projection = NotificationsOutboxProjection()

    def build(runtime: Runtime) -> ExternalEmails:
        return ExternalEmails(
            runtime.storage.events,
            runtime.signal,
            runtime.storage.documents,
            runtime.projectors[projection.name],
            PER_DAY,
        )

    return ServiceDefinition(
        name="mail",
        controllers=[MailInternalController],
        dependencies=lambda runtime: {
            "external_emails": provide(lambda: build(runtime)),
            "sending": provide(lambda: None),  # the system messages' route: not called here
        },
        local_projections=[projection],
        uses_broker=False,
        uses_blobs=False,
    )


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = ServiceSettings(
        service_name="mail", **TEST_KEYS.settings("mail"), store_url=f"sqlite://{tmp_path}/mail.db"
    )
    runtime = Runtime(internal_service(), settings, TracerProvider())
    async with AsyncTestClient(create_app(runtime)) as test_client:
        yield test_client


BODY = {"to": ["ami@famille.example"], "subject": SUBJECT, "text": TEXT, "on_behalf_of": "t-1"}


async def test_http_transfer_with_its_scope_queues(client: Client) -> None:
    answer = await client.post(
        EXTERNAL_EMAILS_PATH,
        json=BODY,
        headers=service_bearer("transfer", "mail", MAIL_EXTERNAL_EMAIL),
    )

    assert answer.status_code == 202, answer.text
    assert answer.json()["queued"] == 1


async def test_http_refuses_a_user(client: Client) -> None:
    answer = await client.post(EXTERNAL_EMAILS_PATH, json=BODY, headers=bearer(TEACHER))

    assert answer.status_code == 403, answer.text


async def test_http_refuses_a_scope_not_granted(client: Client) -> None:
    headers = service_bearer("transfer", "mail", MAIL_SYSTEM_MESSAGE)

    answer = await client.post(EXTERNAL_EMAILS_PATH, json=BODY, headers=headers)

    assert answer.status_code == 401, answer.text


async def test_http_a_caller_mail_does_not_know_is_refused(client: Client) -> None:
    # The locker holds a key, but mail holds the public keys of its callers only.
    answer = await client.post(
        EXTERNAL_EMAILS_PATH,
        json=BODY,
        headers=service_bearer("locker", "mail", MAIL_EXTERNAL_EMAIL),
    )

    assert answer.status_code == 401, answer.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"to": []}, "to"),
        ({"to": [f"a{i}@x.example" for i in range(21)]}, "to"),
        ({"to": ["ami@famille.example", "ami@"]}, "to[1]"),
        ({"subject": ""}, "subject"),
    ],
)
async def test_http_bad_input_names_the_field(
    client: Client, change: dict[str, Any], field: str
) -> None:
    answer = await client.post(
        EXTERNAL_EMAILS_PATH,
        json={**BODY, **change},
        headers=service_bearer("transfer", "mail", MAIL_EXTERNAL_EMAIL),
    )

    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["field"] == field


async def test_without_a_relay_nothing_is_queued(world: World) -> None:
    emails = ExternalEmails(
        world.storage.events,
        world.signal,
        world.storage.documents,
        world.projector,
        PER_DAY,
        relay=False,
    )

    with pytest.raises(PeerUnavailable):
        await emails.queue(TRANSFER, request("ami@famille.example"), NOW)

    assert await world.queue() == []


async def test_a_refused_address_is_not_repeated_in_the_event(world: World) -> None:
    address = "ami@famille.example"
    receipt = await world.emails.queue(TRANSFER, request(address), NOW)
    world.relay.refused_address = address

    await world.dispatcher(Backoff(max_attempts=1)).run_once(NOW + timedelta(seconds=1))

    failed = await world.outcome(receipt.email_id, 0)
    assert isinstance(failed, ExternalEmailFailed)
    assert "451" in failed.error
    assert address not in failed.error


async def test_requests_at_once_do_not_share_an_allowance_twice(world: World) -> None:
    first = request("a@x.example", "b@x.example", "c@x.example")
    second = request("d@x.example", "e@x.example", "f@x.example")

    outcomes = await asyncio.gather(
        world.emails.queue(TRANSFER, first, NOW),
        world.emails.queue(TRANSFER, second, NOW),
        return_exceptions=True,
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["ExternalEmailReceipt", "TooMany"]
    assert len(await world.queue()) == 3
