"""What the Messagerie needs from the outside world, as the application sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

import msgspec
from ent_contracts.directory_api import Recipient, Verdict


class ScanResult(msgspec.Struct, frozen=True):
    """An antivirus verdict on one attachment: `signature` names what was found."""

    infected: bool
    signature: str | None = None


class ScannerUnavailable(Exception):
    """The scanner gave no verdict (down, timed out, answered an error): retry later,
    never count the attachment as clean."""


class StreamTooLarge(Exception):
    """clamd refused the stream for exceeding its StreamMaxLength.

    Not a `ScannerUnavailable`: retrying the same attachment would fail the same way.
    """


class Antivirus(Protocol):
    async def scan(self, chunks: AsyncIterator[bytes]) -> ScanResult:
        """Scan a stream without holding it whole in memory; raise when the scanner
        cannot answer (the caller retries later, it never counts as clean)."""
        ...

    async def close(self) -> None: ...


class NotificationEmail(msgspec.Struct, frozen=True, kw_only=True):
    to: str
    subject: str
    text: str


class Notifier(Protocol):
    async def send(self, email: NotificationEmail) -> None:
        """Hand the e-mail to the relay; raise when it refuses or cannot be reached."""
        ...


class RecipientPolicy(Protocol):
    async def reachable(self, sender_id: str, recipients: list[Recipient]) -> Verdict:
        """The directory's verdict: whom the sender may write to, audiences expanded."""
        ...
