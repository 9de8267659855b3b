"""The Casier's deposit limits per sender (security issue #10, item 5), on a real SQLite
store: deposits recorded by the Document aggregate, the history kept by its projector,
the refusal (429 with Retry-After) recorded as `locker.DepositLimitReached`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from ent_contracts.locker import DepositLimitName
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.errors import TooMany
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.send_limits import Limit
from ent_kit.signal import AppendSignal
from ent_kit.storage import Storage
from ent_locker import texts
from ent_locker.application.projections import PEOPLE
from ent_locker.application.send_history import DEPOSIT_HISTORY, DepositHistoryProjection
from ent_locker.application.send_limits import DepositLimits
from ent_locker.domain.limits import DepositLog, deposit_limits
from ent_locker.domain.model import Document
from kit_fixtures import storage
from locker_fixtures import stored_file
from structlog.testing import capture_logs

__all__ = ["storage"]

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TEACHER = Identity(user_id="teacher-1", profile="teacher")
DIRECTOR = Identity(user_id="director-1", profile="staff")
ORDINARY = deposit_limits(
    deposits_per_hour=3, deposits_per_day=5, recipients_per_hour=6, recipients_per_day=8
)
ELEVATED = deposit_limits(
    deposits_per_hour=30, deposits_per_day=50, recipients_per_hour=60, recipients_per_day=80
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@dataclass
class Casier:
    storage: Storage
    documents: Repository[Document]
    history: LocalProjector
    limits: DepositLimits

    async def deposit(self, sender: Identity, recipients: list[str], minutes: float) -> None:
        """A deposit as `DepositService.deposit` makes it, the limits checked first."""
        await self.limits.check(sender, recipients, at(minutes))
        saved = await self.documents.update(
            new_event_id(),
            lambda d: d.deposit_into_lockers(
                sender_id=sender.user_id,
                recipient_ids=recipients,
                file=stored_file(),
                at=at(minutes),
            ),
            sender.actor,
            create=True,
        )
        await self.limits.caught_up(saved.position)

    async def events(self, event_type: str) -> list[dict[str, object]]:
        stored = await self.storage.events.read_all(limit=1000)
        return [e.envelope.payload for e in stored if e.envelope.type == event_type]


@pytest.fixture
async def casier(storage: Storage) -> AsyncIterator[Casier]:
    signal = AppendSignal()
    history = LocalProjector(storage, DepositHistoryProjection(), signal)
    running = asyncio.create_task(history.run())

    def limits_for(elevated: bool) -> Sequence[Limit[DepositLimitName]]:
        return ELEVATED if elevated else ORDINARY

    limits = DepositLimits(
        storage.documents, Repository(storage.events, DepositLog, signal), limits_for, history
    )
    yield Casier(storage, Repository(storage.events, Document, signal), history, limits)
    await history.stop()
    await running


async def test_the_deposit_over_the_hourly_limit_is_refused_and_recorded(casier: Casier) -> None:
    for minutes in (0, 10, 20):
        await casier.deposit(TEACHER, ["parent-1"], minutes)

    with capture_logs() as logs, pytest.raises(TooMany) as limited:
        await casier.deposit(TEACHER, ["parent-1"], 30)

    assert limited.value.reason == "deposit_limit_reached"
    [logged] = [entry for entry in logs if entry.get("security_event") == "send_limit"]
    assert (logged["user_id"], logged["limit"]) == (TEACHER.user_id, "deposits_per_hour")
    assert limited.value.retry_after_s == 30 * 60  # when the deposit of T0 leaves the hour
    assert limited.value.message == texts.TOO_MANY_DEPOSITS_THIS_HOUR.format(allowed=3)
    assert len(await casier.events("locker.DocumentDeposited")) == 3  # nothing deposited
    assert await casier.events("locker.DepositLimitReached") == [
        {"sender_id": TEACHER.user_id, "limit": "deposits_per_hour", "allowed": 3, "attempted": 4}
    ]
    await casier.deposit(TEACHER, ["parent-1"], 61)  # the hour has moved on


async def test_the_daily_limit_counts_deposits_beyond_the_hour(casier: Casier) -> None:
    for minutes in (0, 10, 100, 110, 200):
        await casier.deposit(TEACHER, ["parent-1"], minutes)
    with pytest.raises(TooMany) as limited:
        await casier.deposit(TEACHER, ["parent-1"], 300)
    assert limited.value.retry_after_s == (24 * 60 - 300) * 60
    [reached] = await casier.events("locker.DepositLimitReached")
    assert reached["limit"] == "deposits_per_day"


async def test_distinct_recipients_are_counted_across_deposits(casier: Casier) -> None:
    await casier.deposit(TEACHER, ["p1", "p2", "p3", "p4"], 0)
    await casier.deposit(TEACHER, ["p1", "p2", "p5", "p6"], 5)  # 6 people in the hour

    with pytest.raises(TooMany) as limited:
        await casier.deposit(TEACHER, ["p7"], 10)

    assert limited.value.message == texts.TOO_MANY_RECIPIENTS_THIS_HOUR.format(allowed=6)
    [reached] = await casier.events("locker.DepositLimitReached")
    assert (reached["limit"], reached["attempted"]) == ("recipients_per_hour", 7)
    await casier.deposit(TEACHER, ["p1", "p6"], 10)  # people already reached still are


async def test_distinct_recipients_of_the_day(casier: Casier) -> None:
    await casier.deposit(TEACHER, ["p1", "p2", "p3", "p4", "p5"], 0)
    await casier.deposit(TEACHER, ["p6", "p7", "p8"], 120)
    with pytest.raises(TooMany) as limited:
        await casier.deposit(TEACHER, ["p9"], 240)
    assert limited.value.message == texts.TOO_MANY_RECIPIENTS_TODAY.format(allowed=8)
    assert limited.value.retry_after_s == (24 * 60 - 240) * 60


async def test_limits_are_per_sender(casier: Casier) -> None:
    other = Identity(user_id="teacher-2", profile="teacher")
    for minutes in (0, 1, 2):
        await casier.deposit(TEACHER, ["parent-1"], minutes)
    await casier.deposit(other, ["parent-1"], 3)
    history = await casier.storage.documents.get(DEPOSIT_HISTORY, other.user_id)
    assert history is not None
    assert len(history["sent_at"]) == 1


async def test_direction_has_the_elevated_limits(casier: Casier) -> None:
    # What the people read model holds for a director (function from the directory).
    async with casier.storage.documents.transaction() as tx:
        await tx.put(PEOPLE, DIRECTOR.user_id, {"profile": "staff", "function": "direction"})
    for minutes in range(10):  # over the ordinary 3 per hour, under the elevated 30
        await casier.deposit(DIRECTOR, [f"p{minutes}"], minutes)
    assert await casier.events("locker.DepositLimitReached") == []
