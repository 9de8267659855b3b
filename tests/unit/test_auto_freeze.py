"""An account that keeps hitting the send limits is frozen automatically (security issue
#10, item 5): the directory consumes `mail.SendLimitReached` and `locker.DepositLimitReached`
(through the kit's consumer, which dedupes by event id) and freezes through its own
command, on a real SQLite store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from ent_contracts import SYSTEM, DomainEvent, Envelope
from ent_contracts.locker import DepositLimitReached
from ent_contracts.mail import SendLimitReached
from ent_directory.application.auto_freeze import (
    LOCKER_LIMIT_HITS,
    MAIL_LIMIT_HITS,
    REASON,
    AutoFreeze,
)
from ent_directory.application.commands import DirectoryCommands
from ent_kit.kafka_projection import KafkaProjection
from ent_kit.signal import AppendSignal
from ent_kit.storage import Storage
from kit_fixtures import envelope, storage, user_registered
from structlog.testing import capture_logs

__all__ = ["storage"]

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SENDER = "teacher-1"


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def hit(event: DomainEvent, hours: float) -> Envelope:
    sent = envelope(event, "limits:whoever", 1)
    return msgspec.structs.replace(sent, occurred_at=at(hours))


def mail_hit(hours: float, sender: str = SENDER) -> Envelope:
    event = SendLimitReached(sender_id=sender, limit="messages_per_hour", allowed=30, attempted=31)
    return hit(event, hours)


def locker_hit(hours: float, sender: str = SENDER) -> Envelope:
    event = DepositLimitReached(
        sender_id=sender, limit="recipients_per_day", allowed=400, attempted=450
    )
    return hit(event, hours)


@dataclass
class Directory:
    storage: Storage
    commands: DirectoryCommands
    mail: KafkaProjection
    locker: KafkaProjection

    def auto_freeze(self, after_hits: int = 3) -> AutoFreeze:
        return AutoFreeze(self.storage.documents, self.commands, after_hits)

    async def freezes(self, user_id: str = SENDER) -> list[Envelope]:
        stored = await self.storage.events.read_all(limit=1000)
        return [
            e.envelope
            for e in stored
            if e.envelope.type == "directory.UserFrozen" and e.envelope.aggregate_id == user_id
        ]


@pytest.fixture
async def directory(storage: Storage) -> Directory:
    commands = DirectoryCommands(storage.events, AppendSignal())
    for user_id in (SENDER, "teacher-2"):
        await commands.register(user_registered(user_id, profile="teacher"), SYSTEM)
    return Directory(
        storage,
        commands,
        KafkaProjection(storage, MAIL_LIMIT_HITS),
        KafkaProjection(storage, LOCKER_LIMIT_HITS),
    )


async def test_the_third_hit_in_a_day_freezes_the_account(directory: Directory) -> None:
    await directory.mail.handle([mail_hit(0), mail_hit(1)])
    assert await directory.auto_freeze().run_once(at(2)) == 0
    assert await directory.freezes() == []

    await directory.locker.handle([locker_hit(3)])  # hits of both services add up
    with capture_logs() as logs:
        assert await directory.auto_freeze().run_once(at(3)) == 1

    [frozen] = await directory.freezes()
    assert (frozen.actor.kind, frozen.actor.id) == ("system", "auto-freeze")
    assert frozen.payload["reason"] == REASON
    [logged] = [entry for entry in logs if entry.get("security_event") == "auto_freeze"]
    assert logged["user_id"] == SENDER
    assert logged["hits"] == 3
    assert await directory.freezes("teacher-2") == []


async def test_a_redelivered_hit_counts_once(directory: Directory) -> None:
    first, second = mail_hit(0), mail_hit(1)
    await directory.mail.handle([first, second])
    await directory.mail.handle([second, first])  # the broker delivers them again
    await directory.mail.handle([first])
    assert await directory.auto_freeze().run_once(at(2)) == 0
    assert await directory.freezes() == []


async def test_freezing_is_done_once_however_often_the_job_runs(directory: Directory) -> None:
    await directory.mail.handle([mail_hit(0), mail_hit(1), mail_hit(2)])
    job = directory.auto_freeze()
    assert await job.run_once(at(2)) == 1
    assert await job.run_once(at(2)) == 0
    assert await directory.auto_freeze().run_once(at(2.5)) == 0
    assert len(await directory.freezes()) == 1


async def test_an_unfrozen_account_starts_afresh(directory: Directory) -> None:
    await directory.mail.handle([mail_hit(0), mail_hit(1), mail_hit(2)])
    assert await directory.auto_freeze().run_once(at(2)) == 1
    await directory.commands.unfreeze(SENDER, SYSTEM)  # the direction lifts it

    await directory.locker.handle([locker_hit(3), locker_hit(4)])
    assert await directory.auto_freeze().run_once(at(4)) == 0  # 2 new hits, not 5
    await directory.locker.handle([locker_hit(5)])
    assert await directory.auto_freeze().run_once(at(5)) == 1
    assert len(await directory.freezes()) == 2


async def test_hits_older_than_a_day_do_not_count(directory: Directory) -> None:
    await directory.mail.handle([mail_hit(0), mail_hit(1), mail_hit(24.5)])
    assert await directory.auto_freeze().run_once(at(24.5)) == 0
    await directory.mail.handle([mail_hit(24.9)])  # 1, 24.5 and 24.9: three within a day
    assert await directory.auto_freeze().run_once(at(24.9)) == 1


async def test_zero_hits_turns_it_off(directory: Directory) -> None:
    await directory.mail.handle([mail_hit(0), mail_hit(0.1), mail_hit(0.2), mail_hit(0.3)])
    assert await directory.auto_freeze(after_hits=0).run_once(at(1)) == 0
    assert await directory.freezes() == []


async def test_an_account_the_directory_does_not_know_is_skipped(directory: Directory) -> None:
    await directory.mail.handle([mail_hit(h, sender="ghost") for h in (0, 1, 2)])
    assert await directory.auto_freeze().run_once(at(2)) == 0
    assert await directory.auto_freeze().run_once(at(2)) == 0  # and not tried again
