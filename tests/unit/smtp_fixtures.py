"""A real SMTP server for the Messagerie's e-mail tests: aiosmtpd on a free local port,
with a handler that keeps what it accepts and refuses on demand."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from ent_devstack.processes import free_port


class Relay:
    """An aiosmtpd handler: keeps the e-mails it accepts; refuses the next `refusals`
    with a temporary error (451), and refuses `refused_address` always."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.tries = 0
        self.refusals = 0
        self.refused_address: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address == self.refused_address:
            return "451 4.2.1 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.tries += 1
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 Relay busy, try again later"
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> dict[str, EmailMessage]:
        """The accepted e-mails by recipient."""
        found: dict[str, EmailMessage] = {}
        for envelope in self.envelopes:
            assert isinstance(envelope.content, bytes)
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            [to] = envelope.rcpt_tos
            found[to] = message
        return found


class SmtpServer:
    """A real SMTP server on one port, which a test can stop and start again."""

    def __init__(self, relay: Relay) -> None:
        self.port = free_port()
        self._relay = relay
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self._relay, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def relay() -> Relay:
    return Relay()


@pytest.fixture
def server(relay: Relay) -> Iterator[SmtpServer]:
    smtp = SmtpServer(relay)
    smtp.start()
    try:
        yield smtp
    finally:
        smtp.stop()
