"""What the transfer needs from outside, as ports the application calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


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
