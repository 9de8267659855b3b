"""Who wants notification e-mails, and the e-mails still to send (a local projection).

- `notify_addresses`: per user who set one, their address.
- `email_queue`: one entry per (message, recipient with an address), written in the same
  transaction as this projection's checkpoint: a send's notifications are recorded once
  its `MessageSent` is in the log, whatever happens to the process afterwards. `address`
  is the one set then; the dispatcher sends to the one set when it sends. The
  dispatcher (`notifying.EmailDispatcher`) drains it outside any request; `NotificationSent`
  and `NotificationFailed` take an entry off. `attempts` and `next_at` are the dispatcher's
  operational state: it updates them in place after a failed try.
  E-mails outside the ENT (`ExternalEmailQueued`, asked by another service) queue there
  too, one entry per address with `kind` "external" and their own text; their `Sent` and
  `Failed` take them off.
- `external_allowance`: per user and UTC day, how many external e-mails were queued on
  their behalf (`external_emails.ExternalEmails` checks it before queueing more).

The sender is never notified of their own message, even when writing to themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from ent_contracts import DomainEvent, Envelope
from ent_contracts.mail import (
    ExternalEmailFailed,
    ExternalEmailQueued,
    ExternalEmailSent,
    MessageSent,
    NotificationAddressSet,
    NotificationFailed,
    NotificationSent,
)
from ent_kit.storage import DocumentWriter, Query, find_all

from ent_mail.domain.conversation import recipients_of

NOTIFY_ADDRESSES = "notify_addresses"
EMAIL_QUEUE = "email_queue"
EXTERNAL_ALLOWANCE = "external_allowance"
# What an entry of the queue is: a notification of a new message to a user's address, or
# an e-mail another service asked for, to an address outside the ENT.
EmailKind = Literal["notification", "external"]
NOTIFICATION: EmailKind = "notification"
EXTERNAL: EmailKind = "external"


def queue_id(message_id: str, user_id: str) -> str:
    return f"{message_id}:{user_id}"


def external_queue_id(email_id: str, recipient: int) -> str:
    return f"external:{email_id}:{recipient}"


def allowance_id(user_id: str, moment: datetime) -> str:
    return f"{user_id}:{moment.astimezone(UTC).date().isoformat()}"


def stamp(moment: datetime) -> str:
    """A fixed-width UTC timestamp: compared as text by the store, so every one of them
    must carry the same digits (msgspec drops zero microseconds, which would misorder)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class NotificationsOutboxProjection:
    name = "notification_outbox"
    collections = (NOTIFY_ADDRESSES, EMAIL_QUEUE, EXTERNAL_ALLOWANCE)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case NotificationAddressSet():
                await _address_set(tx, event.user_id, event.address)
            case MessageSent():
                await _enqueue(tx, event)
            case NotificationSent() | NotificationFailed():
                await tx.delete(EMAIL_QUEUE, queue_id(event.message_id, event.user_id))
            case ExternalEmailQueued():
                await _enqueue_external(tx, event)
            case ExternalEmailSent() | ExternalEmailFailed():
                await tx.delete(EMAIL_QUEUE, external_queue_id(event.email_id, event.recipient))


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
                "kind": NOTIFICATION,
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


async def _enqueue_external(tx: DocumentWriter, event: ExternalEmailQueued) -> None:
    at = stamp(event.queued_at)
    for recipient, address in enumerate(event.to):
        await tx.put(
            EMAIL_QUEUE,
            external_queue_id(event.email_id, recipient),
            {
                "kind": EXTERNAL,
                "email_id": event.email_id,
                "recipient": recipient,
                "address": address,
                "subject": event.subject,
                "text": event.text,
                "attempts": 0,
                "next_at": at,
            },
        )
    day = allowance_id(event.on_behalf_of, event.queued_at)
    used = await tx.get(EXTERNAL_ALLOWANCE, day)
    count = (used["count"] if used else 0) + len(event.to)
    await tx.put(EXTERNAL_ALLOWANCE, day, {"user_id": event.on_behalf_of, "count": count})


def _of_user(user_id: str) -> Query:
    return Query(where={"user_id": user_id}, limit=1000)
