"""The live unread badge: the count at once, then each change, heartbeats in between."""

from __future__ import annotations

import asyncio

from ent_mail.application.badge import UnreadBadge
from ent_mail.application.queries import MailQueries
from kit_fixtures import storage
from mail_fixtures import PARENT, Mail, mail

__all__ = ["mail", "storage"]


async def test_the_badge_pushes_each_new_count_and_beats_when_idle(mail: Mail) -> None:
    badge = UnreadBadge(
        MailQueries(mail.storage.documents),
        mail.mailbox._projector,  # the mailbox projection the fixture runs
        heartbeat_s=1.0,
        min_interval_s=0.01,
    )
    counts = badge.counts(PARENT)
    assert await anext(counts) == 0
    assert await asyncio.wait_for(anext(counts), 2.0) is None  # nothing happened: heartbeat

    async def next_count() -> int:
        """The next count pushed, heartbeats skipped; well before the heartbeat period."""
        while (count := await anext(counts)) is None:
            pass
        return count

    first = await mail.send()
    assert await asyncio.wait_for(next_count(), 0.6) == 1
    await mail.send(subject="Deuxième")
    assert await asyncio.wait_for(next_count(), 0.6) == 2
    await mail.mailbox.open(PARENT, first)
    assert await asyncio.wait_for(next_count(), 0.6) == 1
    await counts.aclose()


class EndsAfter:
    """A session gate whose session ends after `checks` checks."""

    def __init__(self, checks: int) -> None:
        self.checks = checks

    async def is_current(self, user_id: str, session_version: int) -> bool:
        self.checks -= 1
        return self.checks >= 0


async def test_the_stream_ends_with_its_session(mail: Mail) -> None:
    badge = UnreadBadge(
        MailQueries(mail.storage.documents),
        mail.mailbox._projector,
        heartbeat_s=0.2,
        min_interval_s=0.01,
        sessions=EndsAfter(2),
    )

    async def whole_stream() -> list[int | None]:
        return [item async for item in badge.counts(PARENT)]

    pushed = await asyncio.wait_for(whole_stream(), 10.0)  # it ends by itself

    assert pushed == [0, None, None]
