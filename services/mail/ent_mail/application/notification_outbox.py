"""Who wants notification e-mails, and the e-mails still to send (a local projection).

- `notify_addresses`: per user who set one, their address.
- `email_queue`: one entry per (message, recipient with an address), written in the same
  transaction as this projection's checkpoint: a send's notifications are recorded once
  its `MessageSent` is in the log, whatever happens to the process afterwards. `address`
  is the one set then; the dispatcher sends to the one set when it sends. The
  dispatcher (`notifying.EmailDispatcher`) drains it outside any request; `NotificationSent`
  and `NotificationFailed` take an entry off. `attempts` and `next_at` are the dispatcher's
  operational state: it updates them in place after a failed try.

The sender is never notified of their own message, even when writing to themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ent_contracts import DomainEvent, Envelope
from ent_contracts.mail import (
    MessageSent,
    NotificationAddressSet,
    NotificationFailed,
    NotificationSent,
)
from ent_kit.storage import DocumentWriter, Query, find_all

from ent_mail.domain.conversation import recipients_of

NOTIFY_ADDRESSES = "notify_addresses"
EMAIL_QUEUE = "email_queue"


def queue_id(message_id: str, user_id: str) -> str:
    return f"{message_id}:{user_id}"


def stamp(moment: datetime) -> str:
    """A fixed-width UTC timestamp: compared as text by the store, so every one of them
    must carry the same digits (msgspec drops zero microseconds, which would misorder)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class NotificationsOutboxProjection:
    name = "notification_outbox"
    collections = (NOTIFY_ADDRESSES, EMAIL_QUEUE)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case NotificationAddressSet():
                await _address_set(tx, event.user_id, event.address)
            case MessageSent():
                await _enqueue(tx, event)
            case NotificationSent() | NotificationFailed():
                await tx.delete(EMAIL_QUEUE, queue_id(event.message_id, event.user_id))


async def _address_set(tx: DocumentWriter, user_id: str, address: str | None) -> None:
    """A removed address gets nothing more, not even what was still waiting for it (the
    dispatcher sends to the address current when it sends)."""
    if address is not None:
        await tx.put(NOTIFY_ADDRESSES, user_id, {"address": address})
        return
    await tx.delete(NOTIFY_ADDRESSES, user_id)
    pending = [doc["id"] async for doc in find_all(tx, EMAIL_QUEUE, _of_user(user_id))]
    for entry_id in pending:
        await tx.delete(EMAIL_QUEUE, entry_id)


async def _enqueue(tx: DocumentWriter, event: MessageSent) -> None:
    recipients = [u for u in recipients_of(event) if u != event.sender_id]
    if not recipients:
        return
    addresses = await tx.get_many(NOTIFY_ADDRESSES, recipients)
    sent_at = stamp(event.sent_at)
    for user_id in recipients:
        found = addresses.get(user_id)
        if found is None:
            continue
        await tx.put(
            EMAIL_QUEUE,
            queue_id(event.message_id, user_id),
            {
                "message_id": event.message_id,
                "user_id": user_id,
                "address": found["address"],
                "subject": event.subject,
                "sender_id": event.sender_id,
                "sent_at": sent_at,
                "attempts": 0,
                "next_at": sent_at,
            },
        )


def _of_user(user_id: str) -> Query:
    return Query(where={"user_id": user_id}, limit=1000)
