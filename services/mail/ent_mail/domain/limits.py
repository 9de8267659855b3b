"""Send limits per sender (the March 2024 mass mailings from hijacked ENT accounts): a
number of messages per hour and of distinct recipients per day. Pure: the history comes
from the read model, the decision is here."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ent_contracts import DomainEvent
from ent_contracts.mail import SendLimitReached
from ent_kit.aggregate import Aggregate

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
LimitName = Literal["messages_per_hour", "recipients_per_day"]


@dataclass(frozen=True)
class Limits:
    messages_per_hour: int
    recipients_per_day: int


@dataclass(frozen=True)
class Exceeded:
    limit: LimitName
    allowed: int
    attempted: int
    retry_after_s: int


def exceeded(
    limits: Limits,
    sent_at: Sequence[datetime],
    recipients_at: Mapping[str, datetime],
    new_recipients: Sequence[str],
    now: datetime,
) -> Exceeded | None:
    """Whether one more message to `new_recipients` goes over a limit. `sent_at`: when the
    sender's earlier messages left; `recipients_at`: when each person was last written to."""
    recent = sorted(t for t in sent_at if now - t < HOUR)
    if len(recent) + 1 > limits.messages_per_hour:
        wait = recent[len(recent) - limits.messages_per_hour] + HOUR - now if recent else HOUR
        return Exceeded("messages_per_hour", limits.messages_per_hour, len(recent) + 1, _s(wait))
    today = {u: t for u, t in recipients_at.items() if now - t < DAY}
    distinct = set(today) | set(new_recipients)
    if len(distinct) > limits.recipients_per_day:
        oldest = min(today.values(), default=now)
        return Exceeded(
            "recipients_per_day", limits.recipients_per_day, len(distinct), _s(oldest + DAY - now)
        )
    return None


def _s(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


class SendLog(Aggregate):
    """Where a sender's refusals are recorded (`limits:<sender id>`): nothing to decide
    but the record itself."""

    def when(self, event: DomainEvent) -> None:
        return None

    def reached(self, sender_id: str, exceeded: Exceeded) -> None:
        self.trigger(
            SendLimitReached(
                sender_id=sender_id,
                limit=exceeded.limit,
                allowed=exceeded.allowed,
                attempted=exceeded.attempted,
            )
        )


def limits_stream(sender_id: str) -> str:
    return f"limits:{sender_id}"
