"""What the locker's application needs from the outside, as ports."""

from __future__ import annotations

from typing import Any, Protocol

import msgspec


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    allowed: list[str]  # user ids, groups expanded
    refused: list[dict[str, Any]]  # as the directory names them, each with a reason


class RecipientPolicy(Protocol):
    async def reachable(self, sender_id: str, recipients: list[dict[str, str]]) -> Verdict:
        """Which of these recipients (users, or group audiences) the sender may write to."""
        ...
