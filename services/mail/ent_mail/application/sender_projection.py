"""What the Messagerie keeps per sender, from its own log: recent sends (for the send
limits) and the address book (seed 002 §I-6: filled from the recipients one writes to,
a group appearing as the group)."""

from __future__ import annotations

from datetime import timedelta

from ent_contracts import DomainEvent, Envelope
from ent_contracts.mail import ContactRemoved, MessageSent
from ent_kit.send_limits import SendHistory
from ent_kit.storage import DocumentWriter

from ent_mail.domain.conversation import recipients_of

SEND_HISTORY = "send_history"
CONTACTS = "contacts"
KEPT = timedelta(days=1)  # the longest window a limit looks at


def contact_id(owner_id: str, contact: str) -> str:
    return f"{owner_id}:{contact}"


class SenderProjection:
    name = "senders"
    collections = (SEND_HISTORY, CONTACTS)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case MessageSent():
                await _remember_send(tx, event)
                for contact in [*event.named_users, *event.audiences]:
                    await tx.put(
                        CONTACTS,
                        contact_id(event.sender_id, contact),
                        {
                            "owner_id": event.sender_id,
                            "contact": contact,
                            "last_written_at": event.sent_at,
                        },
                    )
            case ContactRemoved():
                await tx.delete(CONTACTS, contact_id(event.owner_id, event.contact))


async def _remember_send(tx: DocumentWriter, event: MessageSent) -> None:
    """The sender's sends of the last day and whom they wrote to when, trimmed as it grows."""
    history = SendHistory.of(await tx.get(SEND_HISTORY, event.sender_id))
    history = history.recorded(event.sent_at, recipients_of(event), KEPT)
    await tx.put(SEND_HISTORY, event.sender_id, history.document())
