"""Deposit limits per sender (the March 2024 mass sendings from hijacked ENT accounts):
deposits, and distinct recipients, per hour and per day. Pure: the history comes from the
read model, the counting is the kit's sliding windows (`ent_kit.send_limits`, shared with
the Messagerie); the Casier's limits, their names and the record of a refusal are here."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeAlias

from ent_contracts import DomainEvent
from ent_contracts.locker import DepositLimitName, DepositLimitReached
from ent_kit.send_limits import Exceeded as Over
from ent_kit.send_limits import Limit, RefusalLog

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
Exceeded: TypeAlias = Over[DepositLimitName]


def deposit_limits(
    *,
    deposits_per_hour: int,
    deposits_per_day: int,
    recipients_per_hour: int,
    recipients_per_day: int,
) -> list[Limit[DepositLimitName]]:
    """The Casier's four limits, checked in this order (the hour's first: its wait is
    the shorter)."""
    return [
        Limit(name="deposits_per_hour", counts="sends", window=HOUR, allowed=deposits_per_hour),
        Limit(
            name="recipients_per_hour",
            counts="recipients",
            window=HOUR,
            allowed=recipients_per_hour,
        ),
        Limit(name="deposits_per_day", counts="sends", window=DAY, allowed=deposits_per_day),
        Limit(
            name="recipients_per_day", counts="recipients", window=DAY, allowed=recipients_per_day
        ),
    ]


class DepositLog(RefusalLog[DepositLimitName]):
    """A sender's refused deposits (`limits:<sender id>`)."""

    def refusal_event(self, sender_id: str, over: Exceeded) -> DomainEvent:
        return DepositLimitReached(
            sender_id=sender_id, limit=over.limit, allowed=over.allowed, attempted=over.attempted
        )
