"""Send limits per sender (the March 2024 mass mailings from hijacked ENT accounts): a
number of messages per hour and of distinct recipients per day. Pure: the history comes
from the read model; the counting is the kit's sliding windows (`ent_kit.send_limits`,
shared with the locker's deposits), the Messagerie's limits and their names are here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TypeAlias

from ent_contracts import DomainEvent
from ent_contracts.mail import SendLimitReached
from ent_kit.send_limits import Exceeded as Over
from ent_kit.send_limits import Limit, RefusalLog, SendHistory
from ent_kit.send_limits import exceeded as first_exceeded

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
LimitName = Literal["messages_per_hour", "recipients_per_day"]
Exceeded: TypeAlias = Over[LimitName]


@dataclass(frozen=True)
class Limits:
    messages_per_hour: int
    recipients_per_day: int

    def windows(self) -> list[Limit[LimitName]]:
        """The Messagerie's two limits, counted by the kit's sliding windows."""
        return [
            Limit(
                name="messages_per_hour",
                counts="sends",
                window=HOUR,
                allowed=self.messages_per_hour,
            ),
            Limit(
                name="recipients_per_day",
                counts="recipients",
                window=DAY,
                allowed=self.recipients_per_day,
            ),
        ]


def exceeded(
    limits: Limits,
    sent_at: Sequence[datetime],
    recipients_at: Mapping[str, datetime],
    new_recipients: Sequence[str],
    now: datetime,
) -> Exceeded | None:
    """Whether one more message to `new_recipients` goes over a limit. `sent_at`: when the
    sender's earlier messages left; `recipients_at`: when each person was last written to."""
    history = SendHistory(sent_at=list(sent_at), recipients=dict(recipients_at))
    return first_exceeded(limits.windows(), history, new_recipients, now)


class SendLog(RefusalLog[LimitName]):
    """A sender's refused messages (`limits:<sender id>`)."""

    def refusal_event(self, sender_id: str, over: Exceeded) -> DomainEvent:
        return SendLimitReached(
            sender_id=sender_id, limit=over.limit, allowed=over.allowed, attempted=over.attempted
        )
