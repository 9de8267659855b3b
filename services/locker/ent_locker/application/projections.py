"""Read models of the Casier: each user's folders, document metadata, and known people."""

from __future__ import annotations

from ent_contracts import DomainEvent, Envelope
from ent_contracts.directory import UserRegistered
from ent_contracts.locker import DocumentDeposited
from ent_kit.storage import DocumentWriter

ENTRIES = "entries"  # one row per (document, owner, folder): what folder listings page through
DOCUMENTS = "documents"  # one row per document: access checks and download
PEOPLE = "people"  # names and profiles, from the directory's events

RECEIVED = "received"  # Mon casier
HISTORY = "history"  # Historique


class LockerProjection:
    name = "locker"

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case DocumentDeposited():
                await self._deposited(tx, event)

    async def _deposited(self, tx: DocumentWriter, event: DocumentDeposited) -> None:
        summary = {
            "document_id": event.document_id,
            "file_name": event.file_name,
            "media_type": event.media_type,
            "size": event.size,
            "sha256": event.sha256,
            "deposited_at": event.deposited_at,
            "sender_id": event.sender_id,
        }
        await tx.put(
            DOCUMENTS,
            event.document_id,
            {
                **summary,
                "recipient_ids": event.recipient_ids,
                "blob_key": event.blob_key,
                "previous_version_id": event.previous_version_id,
            },
        )
        await tx.put(
            ENTRIES,
            f"{event.document_id}:{event.sender_id}:{HISTORY}",
            {**summary, "owner_id": event.sender_id, "folder": HISTORY,
             "recipient_ids": event.recipient_ids},
        )  # fmt: skip
        for recipient in event.recipient_ids:
            await tx.put(
                ENTRIES,
                f"{event.document_id}:{recipient}:{RECEIVED}",
                {**summary, "owner_id": recipient, "folder": RECEIVED},
            )


class PeopleProjection:
    name = "people"

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case UserRegistered():
                await tx.put(
                    PEOPLE,
                    event.user_id,
                    {
                        "display_name": f"{event.first_name} {event.last_name}",
                        "profile": event.profile,
                        "school_id": event.school_id,
                    },
                )
