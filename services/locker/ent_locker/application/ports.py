"""What the locker's application needs from the outside, as ports."""

from __future__ import annotations

from typing import Protocol

from ent_contracts.directory_api import Recipient, Verdict


class RecipientPolicy(Protocol):
    async def reachable(self, sender_id: str, recipients: list[Recipient]) -> Verdict:
        """Which of these recipients (users, or group audiences) the sender may write to."""
        ...
