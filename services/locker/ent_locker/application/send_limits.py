"""The deposit limits, checked before a byte of a deposit is stored: over one, the deposit
is refused (429 with Retry-After), nothing is deposited, and `DepositLimitReached` is
recorded for the operators and for the directory, which freezes an account that keeps
hitting limits (`ent_kit.sender_limits` does the checking and the recording)."""

from __future__ import annotations

from ent_contracts.locker import DepositLimitName
from ent_kit.auth import Identity
from ent_kit.errors import TooMany
from ent_kit.sender_limits import SenderLimits

from ent_locker import texts
from ent_locker.application.projections import PEOPLE
from ent_locker.application.send_history import DEPOSIT_HISTORY
from ent_locker.domain.limits import DepositLog, Exceeded

# Functions whose work is sending to many: direction and vie scolaire get the elevated
# limits, as in the Messagerie; everyone else the ordinary ones.
ELEVATED_FUNCTIONS = frozenset({"direction", "vie_scolaire"})
MESSAGES: dict[DepositLimitName, str] = {
    "deposits_per_hour": texts.TOO_MANY_DEPOSITS_THIS_HOUR,
    "deposits_per_day": texts.TOO_MANY_DEPOSITS_TODAY,
    "recipients_per_hour": texts.TOO_MANY_RECIPIENTS_THIS_HOUR,
    "recipients_per_day": texts.TOO_MANY_RECIPIENTS_TODAY,
}


class DepositLimits(SenderLimits[DepositLimitName, DepositLog]):
    history_collection = DEPOSIT_HISTORY
    sending = "deposit"

    async def elevated(self, sender: Identity) -> bool:
        person = await self._reader.get(PEOPLE, sender.user_id) or {}
        return person.get("function") in ELEVATED_FUNCTIONS

    def refusal(self, over: Exceeded) -> TooMany:
        return TooMany(
            "",
            "deposit_limit_reached",
            MESSAGES[over.limit].format(allowed=over.allowed),
            retry_after_s=over.retry_after_s,
        )
