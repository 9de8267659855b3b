"""The SMTP relay the browser tests' platform sends its e-mails to."""

from __future__ import annotations

from aiosmtpd.smtp import Envelope
from ent_devstack.processes import free_port


class Relay:
    """The SMTP relay mail sends its e-mails to (aiosmtpd's handler): what it received."""

    def __init__(self) -> None:
        self.port = free_port()
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"
