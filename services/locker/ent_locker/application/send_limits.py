"""The deposit limits, checked before a byte of a deposit is stored: over one, the deposit
is refused (429 with Retry-After), nothing is deposited, and `DepositLimitReached` is
recorded for the operators (and for the directory, which freezes an account that keeps
hitting limits). Concurrent deposits of one sender may pass a limit by the few in flight:
it bounds a mass sending, it is not an exact quota."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ent_contracts.locker import DepositLimitName
from ent_kit.auth import Identity
from ent_kit.errors import TooMany
from ent_kit.logging import get_logger
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.send_limits import Limit, SendHistory, exceeded
from ent_kit.storage import DocumentReader

from ent_locker import texts
from ent_locker.application.projections import PEOPLE
from ent_locker.application.send_history import DEPOSIT_HISTORY
from ent_locker.domain.limits import DepositLog, Exceeded, limits_stream

# Functions whose work is sending to many: direction and vie scolaire get the elevated
# limits, as in the Messagerie; everyone else the ordinary ones.
ELEVATED_FUNCTIONS = frozenset({"direction", "vie_scolaire"})
log = get_logger("ent.locker.limits")
MESSAGES: dict[DepositLimitName, str] = {
    "deposits_per_hour": texts.TOO_MANY_DEPOSITS_THIS_HOUR,
    "deposits_per_day": texts.TOO_MANY_DEPOSITS_TODAY,
    "recipients_per_hour": texts.TOO_MANY_RECIPIENTS_THIS_HOUR,
    "recipients_per_day": texts.TOO_MANY_RECIPIENTS_TODAY,
}


class DepositLimits:
    def __init__(
        self,
        reader: DocumentReader,
        log: Repository[DepositLog],
        limits_for: Callable[[bool], Sequence[Limit[DepositLimitName]]],
        history: LocalProjector,
    ) -> None:
        self._reader = reader
        self._log = log
        self._limits_for = limits_for  # elevated or not
        self._history = history  # the projector keeping the deposit history

    async def caught_up(self, position: int) -> None:
        """A deposit counts for the next one as soon as it is answered."""
        await self._history.caught_up(position)

    async def check(self, sender: Identity, recipients: Sequence[str], now: datetime) -> None:
        """TooMany, after recording it, when depositing for `recipients` (people, audiences
        expanded) goes over a limit."""
        person = await self._reader.get(PEOPLE, sender.user_id) or {}
        limits = self._limits_for(person.get("function") in ELEVATED_FUNCTIONS)
        history = SendHistory.of(await self._reader.get(DEPOSIT_HISTORY, sender.user_id))
        over = exceeded(limits, history, recipients, now)
        if over is not None:
            await self._refuse(sender, over)

    async def _refuse(self, sender: Identity, over: Exceeded) -> None:
        await self._log.update(
            limits_stream(sender.user_id),
            lambda log: log.reached(sender.user_id, over),
            sender.actor,
            create=True,
        )
        log.warning(
            "deposit refused: limit reached",
            security_event="send_limit",
            user_id=sender.user_id,
            limit=over.limit,
            allowed=over.allowed,
            attempted=over.attempted,
        )
        raise TooMany(
            "",
            "deposit_limit_reached",
            MESSAGES[over.limit].format(allowed=over.allowed),
            retry_after_s=over.retry_after_s,
        )
