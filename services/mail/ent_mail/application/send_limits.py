"""The send limits, checked before a message is appended: over one, the send is refused
(429 with Retry-After), nothing is delivered, and `SendLimitReached` is recorded for the
operators. Concurrent sends of one sender may pass a limit by the few in flight: it bounds
a mass mailing, it is not an exact quota."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ent_kit.auth import Identity
from ent_kit.errors import TooMany
from ent_kit.logging import get_logger
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.send_limits import SendHistory
from ent_kit.storage import DocumentReader

from ent_mail import texts
from ent_mail.application.projections import PEOPLE
from ent_mail.application.sender_projection import SEND_HISTORY
from ent_mail.domain.limits import Exceeded, Limits, SendLog, exceeded, limits_stream

# Functions whose work is writing to many: direction and vie scolaire (the issue's "higher
# ones"); everyone else has the ordinary limits.
ELEVATED_FUNCTIONS = frozenset({"direction", "vie_scolaire"})
log = get_logger("ent.mail.limits")


class SendLimits:
    def __init__(
        self,
        reader: DocumentReader,
        log: Repository[SendLog],
        limits_for: Callable[[bool], Limits],
        history: LocalProjector,
    ) -> None:
        self._reader = reader
        self._log = log
        self._limits_for = limits_for  # elevated or not
        self._history = history  # the projector keeping the send history

    async def caught_up(self, position: int) -> None:
        """A send counts for the next one as soon as it is answered."""
        await self._history.caught_up(position)

    async def check(self, me: Identity, recipients: Sequence[str], now: datetime) -> None:
        person = await self._reader.get(PEOPLE, me.user_id) or {}
        limits = self._limits_for(person.get("function") in ELEVATED_FUNCTIONS)
        history = SendHistory.of(await self._reader.get(SEND_HISTORY, me.user_id))
        over = exceeded(limits, history.sent_at, history.recipients, recipients, now)
        if over is not None:
            await self._record(me, over)

    async def _record(self, me: Identity, over: Exceeded) -> None:
        await self._log.update(
            limits_stream(me.user_id),
            lambda log: log.reached(me.user_id, over),
            me.actor,
            create=True,
        )
        log.warning(
            "send refused: limit reached",
            security_event="send_limit",
            user_id=me.user_id,
            limit=over.limit,
            allowed=over.allowed,
            attempted=over.attempted,
        )
        message = (
            texts.TOO_MANY_MESSAGES
            if over.limit == "messages_per_hour"
            else texts.TOO_MANY_RECIPIENTS_TODAY
        )
        raise TooMany(
            "",
            "send_limit_reached",
            message.format(allowed=over.allowed),
            retry_after_s=over.retry_after_s,
        )
