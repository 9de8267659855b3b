"""The live unread badge (the "pastille rouge"): the inbox's unread count, pushed when it
changes. Woken by the mailbox projection moving on (on any replica: the projector's
checkpoint), so a new message shows within the projection's delay; read at most once a
second per stream however busy the school, and a heartbeat keeps proxies from closing an
idle stream. The stream ends once its token's session has (a freeze, a new password…): the
token is checked when a stream opens, and a stream may stay open for hours, so it is
checked again at each wake, every heartbeat at the latest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from ent_kit.auth import Identity, SessionGate
from ent_kit.projections import LocalProjector

from ent_mail.application.queries import MailQueries

HEARTBEAT_S = 15.0
MIN_INTERVAL_S = 1.0


class UnreadBadge:
    def __init__(
        self,
        queries: MailQueries,
        projector: LocalProjector,
        *,
        heartbeat_s: float = HEARTBEAT_S,
        min_interval_s: float = MIN_INTERVAL_S,
        sessions: SessionGate | None = None,
    ) -> None:
        self._queries = queries
        self._projector = projector
        self._heartbeat_s = heartbeat_s
        self._min_interval_s = min_interval_s
        self._sessions = sessions

    async def counts(self, me: Identity) -> AsyncIterator[int | None]:
        """The count now, then each new count; None when nothing changed for a while."""
        last: int | None = None
        while await self._session_lasts(me):
            # Where the projection stood before the count was read: anything applied after
            # it wakes the stream, so no change is missed between the read and the wait.
            applied = await self._projector.applied()
            count = (await self._queries.unread(me)).unread
            if count != last:
                last = count
                yield count
            if not await self._applied_past(applied):
                yield None  # a heartbeat
            await asyncio.sleep(self._min_interval_s)

    async def _session_lasts(self, me: Identity) -> bool:
        if self._sessions is None:
            return True
        return await self._sessions.is_current(me.user_id, me.session_version)

    async def _applied_past(self, position: int) -> bool:
        try:
            await self._projector.caught_up(position + 1, timeout=self._heartbeat_s)
        except TimeoutError:
            return False
        return True
