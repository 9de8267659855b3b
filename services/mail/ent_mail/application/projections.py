"""Notifications: what a user is told about in their Messagerie (first source: the Casier)."""

from __future__ import annotations

from ent_contracts import DomainEvent, Envelope
from ent_contracts.directory import GroupCreated, UserRegistered, UserUpdated, display_name
from ent_contracts.locker import DocumentDeposited
from ent_kit.storage import DocumentWriter

from ent_mail import texts

NOTIFICATIONS = "notifications"
PEOPLE = "people"
GROUPS = "groups"  # names of the directory's groups: an audience shown as "Parents — 6A"


class NotificationsProjection:
    name = "notifications"
    collections = (NOTIFICATIONS,)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case DocumentDeposited():
                sender = await tx.get(PEOPLE, event.sender_id)
                text = texts.DOCUMENT_RECEIVED.format(
                    file_name=event.file_name,
                    sender=sender["display_name"] if sender else texts.UNKNOWN_SENDER,
                )
                for recipient in event.recipient_ids:
                    await tx.put(
                        NOTIFICATIONS,
                        f"{envelope.event_id}:{recipient}",
                        {
                            "user_id": recipient,
                            "kind": "locker.document_received",
                            "text": text,
                            "document_id": event.document_id,
                            "created_at": envelope.occurred_at,
                            "read": False,
                        },
                    )


class PeopleProjection:
    """Who people are, as the directory says now: their names (in notifications, message
    lists and views) and their profile and function (direction writes institutional
    messages). A renamed person is named anew in what follows."""

    name = "people"
    collections = (PEOPLE, GROUPS)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case UserRegistered() | UserUpdated():
                person = await tx.get(PEOPLE, event.user_id) or {}
                name = display_name(event.first_name, event.last_name)
                profile = getattr(event, "profile", person.get("profile"))  # set on register
                await tx.put(
                    PEOPLE,
                    event.user_id,
                    {"display_name": name, "profile": profile, "function": event.function},
                )
            case GroupCreated():
                await tx.put(GROUPS, event.group_id, {"name": event.name, "kind": event.kind})
