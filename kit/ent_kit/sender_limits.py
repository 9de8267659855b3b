"""The check a sending service runs before a send (a message, a deposit), over the counting
of `ent_kit.send_limits`: over a limit, the refusal is recorded as an event on the sender's
`limits:<sender id>` stream (operators alert on it; the directory freezes an account that
keeps hitting limits), logged as a security event, and answered 429 with Retry-After.

A service says in its own terms who has the elevated limits, where its read model keeps
each sender's history, which event records a refusal and what the refusal says. Concurrent
sends of one sender may pass a limit by the few in flight: it bounds a mass sending, it is
not an exact quota."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from ent_kit.auth import Identity
from ent_kit.errors import TooMany
from ent_kit.logging import get_logger
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.send_limits import Exceeded, Limit, RefusalLog, SendHistory, exceeded, limits_stream
from ent_kit.storage import DocumentReader

N = TypeVar("N", bound=str)
log = get_logger("ent.send_limits")
L = TypeVar("L", bound=RefusalLog[Any])


class SenderLimits(ABC, Generic[N, L]):
    history_collection: str  # the read model keeping each sender's `SendHistory`
    sending: str  # what is refused, for the log: "send", "deposit"

    def __init__(
        self,
        reader: DocumentReader,
        refusals: Repository[L],
        limits_for: Callable[[bool], Sequence[Limit[N]]],
        history: LocalProjector,
    ) -> None:
        self._reader = reader
        self._refusals = refusals
        self._limits_for = limits_for  # elevated or not
        self._history = history  # the projector keeping the history

    async def caught_up(self, position: int) -> None:
        """A send counts for the next one as soon as it is answered."""
        await self._history.caught_up(position)

    async def check(self, sender: Identity, recipients: Sequence[str], now: datetime) -> None:
        """TooMany, after recording it, when sending to `recipients` (people, audiences
        expanded) goes over a limit."""
        limits = self._limits_for(await self.elevated(sender))
        document = await self._reader.get(self.history_collection, sender.user_id)
        over = exceeded(limits, SendHistory.of(document), recipients, now)
        if over is not None:
            await self._refuse(sender, over)

    @abstractmethod
    async def elevated(self, sender: Identity) -> bool:
        """Whether the sender's work is sending to many (higher limits)."""

    @abstractmethod
    def refusal(self, over: Exceeded[N]) -> TooMany:
        """The answer, in the service's words."""

    async def _refuse(self, sender: Identity, over: Exceeded[N]) -> None:
        await self._refusals.update(
            limits_stream(sender.user_id),
            lambda record: record.reached(sender.user_id, over),
            sender.actor,
            create=True,
        )
        log.warning(
            f"{self.sending} refused: limit reached",
            security_event="send_limit",
            user_id=sender.user_id,
            limit=over.limit,
            allowed=over.allowed,
            attempted=over.attempted,
        )
        raise self.refusal(over)
