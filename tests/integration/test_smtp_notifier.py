"""Notification e-mails sent to a real SMTP server (aiosmtpd on a free local port): what
arrives, what is refused, and the relay URL that configures it all."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from ent_devstack.processes import free_port
from ent_mail.adapters.smtp import SmtpNotifier, open_notifier
from ent_mail.application.ports import NotificationEmail

SENDER = "no-reply@ent.example.fr"
PARENT = "parent@famille.example"
REFUSED = "ancien-eleve@famille.example"
LOGIN, PASSWORD = "ent@relay", "p@ss:wörd/1"  # characters a URL must percent-encode

NOTIFICATION = NotificationEmail(
    to=PARENT,
    subject="Nouveau message : Réunion parents-professeurs",
    text="Mme Lefèvre vous a écrit.\nConnectez-vous à l'ENT pour lire le message.",
)


class Relay:
    """An aiosmtpd handler: keeps every envelope it accepts, refuses one mailbox."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        credentials = (data.login.decode(), data.password.decode())
        self.logins.append(credentials)
        # handled=False: aiosmtpd itself answers a failure with 535.
        return AuthResult(success=credentials == (LOGIN, PASSWORD), handled=False)

    def received(self) -> EmailMessage:
        [envelope] = self.envelopes
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


def serve(relay: Relay, **smtp_options: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def relay() -> Relay:
    return Relay()


@pytest.fixture
def relay_port(relay: Relay) -> Iterator[int]:
    yield from serve(relay)


@pytest.fixture
def authenticating_relay_port(relay: Relay) -> Iterator[int]:
    # AUTH offered over plain text, acceptable on loopback only (the production relay uses
    # STARTTLS); not required, so the test sees that the client logs in of its own accord.
    yield from serve(relay, authenticator=relay.authenticate, auth_require_tls=False)


async def test_the_notification_arrives_as_sent(relay: Relay, relay_port: int) -> None:
    await SmtpNotifier("127.0.0.1", relay_port, SENDER).send(NOTIFICATION)

    [envelope] = relay.envelopes
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == [PARENT]
    message = relay.received()
    assert message["From"] == SENDER
    assert message["To"] == PARENT
    assert message["Subject"] == "Nouveau message : Réunion parents-professeurs"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"].datetime is not None
    assert message["Message-ID"].endswith("@ent.example.fr>")
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().splitlines() == NOTIFICATION.text.splitlines()


async def test_headers_travel_as_ascii_whatever_the_subject(relay: Relay, relay_port: int) -> None:
    """Relays without SMTPUTF8 still take it: accents are RFC 2047 encoded, not raw bytes."""
    await SmtpNotifier("127.0.0.1", relay_port, SENDER).send(NOTIFICATION)

    [envelope] = relay.envelopes
    assert isinstance(envelope.content, bytes)
    headers = envelope.content.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "Réunion" not in headers
    assert "=?utf-8?" in headers.lower()


async def test_each_message_gets_its_own_message_id(relay: Relay, relay_port: int) -> None:
    notifier = SmtpNotifier("127.0.0.1", relay_port, SENDER)
    await notifier.send(NOTIFICATION)
    await notifier.send(NOTIFICATION)

    ids = {
        email.message_from_bytes(envelope.content, policy=email.policy.default)["Message-ID"]
        for envelope in relay.envelopes
        if isinstance(envelope.content, bytes)
    }
    assert len(ids) == 2


async def test_a_refused_recipient_raises(relay: Relay, relay_port: int) -> None:
    refused = NotificationEmail(to=REFUSED, subject="Nouveau message", text="...")

    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as raised:
        await SmtpNotifier("127.0.0.1", relay_port, SENDER).send(refused)

    assert [error.code for error in raised.value.recipients] == [550]
    assert relay.envelopes == []


async def test_an_unreachable_relay_raises() -> None:
    nobody_listens = free_port()

    with pytest.raises((aiosmtplib.SMTPException, OSError)):
        await SmtpNotifier("127.0.0.1", nobody_listens, SENDER, timeout_s=2).send(NOTIFICATION)


async def test_a_subject_cannot_inject_headers(relay: Relay, relay_port: int) -> None:
    sneaky = NotificationEmail(to=PARENT, subject="Bonjour\r\nBcc: tous@ent.example.fr", text=".")

    with pytest.raises(ValueError, match="linefeed or carriage return"):
        await SmtpNotifier("127.0.0.1", relay_port, SENDER).send(sneaky)

    assert relay.envelopes == []


async def test_credentials_from_the_url_authenticate(
    relay: Relay, authenticating_relay_port: int
) -> None:
    url = f"smtp://ent%40relay:p%40ss%3Aw%C3%B6rd%2F1@127.0.0.1:{authenticating_relay_port}"
    notifier = open_notifier(url, SENDER)
    assert notifier is not None

    await notifier.send(NOTIFICATION)

    assert relay.logins == [(LOGIN, PASSWORD)]
    assert relay.received()["Subject"] == NOTIFICATION.subject


async def test_wrong_credentials_raise(relay: Relay, authenticating_relay_port: int) -> None:
    notifier = SmtpNotifier(
        "127.0.0.1", authenticating_relay_port, SENDER, username=LOGIN, password="wrong"
    )

    with pytest.raises(aiosmtplib.SMTPAuthenticationError):
        await notifier.send(NOTIFICATION)

    assert relay.envelopes == []


def test_a_plain_smtp_url() -> None:
    notifier = open_notifier("smtp://relay.ent.example:2525", SENDER)

    assert isinstance(notifier, SmtpNotifier)
    assert (notifier.host, notifier.port, notifier.sender) == ("relay.ent.example", 2525, SENDER)
    assert notifier.starttls is False
    assert notifier.username is None


def test_a_starttls_url_with_credentials_and_the_submission_port_by_default() -> None:
    notifier = open_notifier("smtp+starttls://ent:secret@smtp.example.fr", SENDER)

    assert isinstance(notifier, SmtpNotifier)
    assert (notifier.host, notifier.port, notifier.starttls) == ("smtp.example.fr", 587, True)
    assert notifier.username == "ent"


def test_a_plain_url_without_port_uses_port_25() -> None:
    notifier = open_notifier("smtp://localhost", SENDER)

    assert isinstance(notifier, SmtpNotifier)
    assert notifier.port == 25


def test_an_empty_url_turns_notifications_off() -> None:
    assert open_notifier("", SENDER) is None


@pytest.mark.parametrize(
    "url",
    [
        "smtps://relay.example:465",
        "http://relay.example:25",
        "relay.example:25",
        "smtp://",
        "smtp://relay.example:port",
        "smtp://relay.example:70000",
        "smtp://relay.example:25/inbox",
        "smtp://relay.example:25?tls=1",
    ],
)
def test_anything_else_is_refused_naming_the_url(url: str) -> None:
    with pytest.raises(ValueError, match="not an SMTP relay URL") as raised:
        open_notifier(url, SENDER)

    assert url in str(raised.value)


def test_a_refused_url_does_not_leak_its_password() -> None:
    with pytest.raises(ValueError, match="not an SMTP relay URL") as raised:
        open_notifier("smtps://ent:s3cr3t@relay.example:465", SENDER)

    assert "s3cr3t" not in str(raised.value)
    assert "smtps://ent:***@relay.example:465" in str(raised.value)
