"""The send limits, checked before a message is appended: over one, the send is refused
(429 with Retry-After), nothing is delivered, and `SendLimitReached` is recorded for the
operators (`ent_kit.sender_limits` does the checking and the recording)."""

from __future__ import annotations

from collections.abc import Callable

from ent_kit.auth import Identity
from ent_kit.errors import TooMany
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.sender_limits import SenderLimits
from ent_kit.storage import DocumentReader

from ent_mail import texts
from ent_mail.application.projections import PEOPLE
from ent_mail.application.sender_projection import SEND_HISTORY
from ent_mail.domain.limits import Exceeded, LimitName, Limits, SendLog

# Functions whose work is writing to many: direction and vie scolaire (the issue's "higher
# ones"); everyone else has the ordinary limits.
ELEVATED_FUNCTIONS = frozenset({"direction", "vie_scolaire"})


class SendLimits(SenderLimits[LimitName, SendLog]):
    history_collection = SEND_HISTORY
    sending = "send"

    def __init__(
        self,
        reader: DocumentReader,
        log: Repository[SendLog],
        limits_for: Callable[[bool], Limits],
        history: LocalProjector,
    ) -> None:
        super().__init__(reader, log, lambda elevated: limits_for(elevated).windows(), history)

    async def elevated(self, sender: Identity) -> bool:
        person = await self._reader.get(PEOPLE, sender.user_id) or {}
        return person.get("function") in ELEVATED_FUNCTIONS

    def refusal(self, over: Exceeded) -> TooMany:
        message = (
            texts.TOO_MANY_MESSAGES
            if over.limit == "messages_per_hour"
            else texts.TOO_MANY_RECIPIENTS_TODAY
        )
        return TooMany(
            "",
            "send_limit_reached",
            message.format(allowed=over.allowed),
            retry_after_s=over.retry_after_s,
        )
