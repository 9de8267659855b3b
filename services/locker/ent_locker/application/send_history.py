"""What the Casier keeps per sender for the deposit limits, from its own log: the sender's
deposits of the last day and whom they deposited to when (`ent_kit.send_limits`)."""

from __future__ import annotations

from datetime import timedelta

from ent_contracts import DomainEvent, Envelope
from ent_contracts.locker import DocumentDeposited
from ent_kit.send_limits import SendHistory
from ent_kit.storage import DocumentWriter

DEPOSIT_HISTORY = "deposit_history"
KEPT = timedelta(days=1)  # the longest window a limit looks at


class DepositHistoryProjection:
    name = "deposit_history"
    collections = (DEPOSIT_HISTORY,)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        if isinstance(event, DocumentDeposited):
            # A deposit counts when it was made, whatever happens to it afterwards: trashing
            # or purging it does not give the sender their deposit back.
            history = SendHistory.of(await tx.get(DEPOSIT_HISTORY, event.sender_id))
            history = history.recorded(event.deposited_at, event.recipient_ids, KEPT)
            await tx.put(DEPOSIT_HISTORY, event.sender_id, history.document())
