"""What the transfer needs from outside, as ports the application calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ent_contracts.mail_api import ExternalEmailReceipt, ExternalEmailRequest


@dataclass(frozen=True)
class MailAnswer:
    status: int
    body: dict[str, Any]


class MessageSender(Protocol):
    async def send(
        self, authorization: str, to: list[str], subject: str, body_html: str
    ) -> MailAnswer:
        """Send a Messagerie message as the caller (their own bearer token): the directory's
        rules apply as for any send."""
        ...


class EmailQueue(Protocol):
    async def queue(self, request: ExternalEmailRequest) -> ExternalEmailReceipt:
        """Mail's e-mails outside the ENT, asked as this service (its own token):
        `PeerRejected` when mail refuses, `PeerUnavailable` when it does not answer."""
        ...
