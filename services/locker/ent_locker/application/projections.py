"""Read models of the Casier: each user's folders, document metadata, and known people."""

from __future__ import annotations

from typing import Any

from ent_contracts import DomainEvent, Envelope
from ent_contracts.directory import UserRegistered, UserUpdated, display_name
from ent_contracts.locker import (
    DocumentDeposited,
    DocumentPurged,
    DocumentRestored,
    DocumentTrashed,
)
from ent_kit.blob_sweep import BLOB_CANDIDATES, mark_candidate
from ent_kit.storage import DocumentWriter

ENTRIES = "entries"  # one row per (document, owner, folder): what folder listings page through
DOCUMENTS = "documents"  # one row per document: access checks and download
PEOPLE = "people"  # names and profiles, from the directory's events
# Bytes of each user's deposits while any copy is kept (their Historique entry or a
# recipient's): purging one's own entry does not free what recipients still hold.
USAGE = "usage"

RECEIVED = "received"  # Mon casier
HISTORY = "history"  # Historique
ACTIVE, TRASHED = "active", "trashed"  # an entry in its folder, or in the Corbeille
# Set on a trashed entry only (its owner, and when): the Corbeille's and the retention's
# sparse indexes hold the trashed entries alone, so a deposit to 1,000 never writes them.
IN_TRASH_OF, TRASHED_AT = "in_trash_of", "trashed_at"


def entry_id(document_id: str, owner_id: str, sender_id: str) -> str:
    folder = HISTORY if owner_id == sender_id else RECEIVED
    return f"{document_id}:{owner_id}:{folder}"


class LockerProjection:
    name = "locker"
    collections = (ENTRIES, DOCUMENTS, USAGE, BLOB_CANDIDATES)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case DocumentDeposited():
                await self._deposited(tx, event)
            case DocumentTrashed():
                trashed = {TRASHED_AT: event.trashed_at, IN_TRASH_OF: event.owner_id}
                await self._set_state(tx, event.document_id, event.owner_id, TRASHED, trashed)
            case DocumentRestored():
                await self._set_state(tx, event.document_id, event.owner_id, ACTIVE, {})
            case DocumentPurged():
                await self._purged(tx, envelope, event)

    async def _purged(self, tx: DocumentWriter, envelope: Envelope, event: DocumentPurged) -> None:
        document = await tx.get(DOCUMENTS, event.document_id)
        if document is None:
            return
        sender = document["sender_id"]
        await tx.delete(ENTRIES, entry_id(event.document_id, event.owner_id, sender))
        owners = [sender, *document["recipient_ids"]]
        remaining = await tx.existing(
            ENTRIES, [entry_id(event.document_id, o, sender) for o in owners]
        )
        # Given back once the last copy is gone; a row recorded under the earlier rule (no
        # `until_last_copy`) was given back when its sender purged it, and keeps that rule
        # so that it is never given back twice.
        legacy = not document.get("until_last_copy")
        freed = event.owner_id == sender if legacy else not remaining
        if freed:
            await _add_usage(tx, sender, -document["size"])
        if not remaining:
            await mark_candidate(tx, document["blob_key"], envelope.occurred_at)

    async def _set_state(
        self,
        tx: DocumentWriter,
        document_id: str,
        owner_id: str,
        state: str,
        trashed: dict[str, Any],
    ) -> None:
        document = await tx.get(DOCUMENTS, document_id)
        if document is None:
            return
        key = entry_id(document_id, owner_id, document["sender_id"])
        entry = await tx.get(ENTRIES, key)
        if entry is not None:
            # Absent rather than null out of the trash: sparse indexes skip the entry.
            kept = {k: v for k, v in entry.items() if k not in (TRASHED_AT, IN_TRASH_OF)}
            await tx.put(ENTRIES, key, {**kept, "state": state, **trashed})

    async def _deposited(self, tx: DocumentWriter, event: DocumentDeposited) -> None:
        summary = {
            "document_id": event.document_id,
            "file_name": event.file_name,
            "media_type": event.media_type,
            "size": event.size,
            "sha256": event.sha256,
            "deposited_at": event.deposited_at,
            "sender_id": event.sender_id,
            "blob_key": event.blob_key,
            "previous_version_id": event.previous_version_id,
        }
        await tx.put(
            DOCUMENTS,
            event.document_id,
            {**summary, "recipient_ids": event.recipient_ids, "until_last_copy": True},
        )
        await _add_usage(tx, event.sender_id, event.size)
        in_folder = {"state": ACTIVE}
        sender = event.sender_id
        await tx.put(
            ENTRIES,
            entry_id(event.document_id, sender, sender),
            {
                **summary,
                **in_folder,
                "owner_id": sender,
                "folder": HISTORY,
                "recipient_ids": event.recipient_ids,
            },
        )
        for recipient in event.recipient_ids:
            entry = {**summary, **in_folder, "owner_id": recipient, "folder": RECEIVED}
            await tx.put(ENTRIES, entry_id(event.document_id, recipient, sender), entry)


async def _add_usage(tx: DocumentWriter, user_id: str, delta: int) -> None:
    usage = await tx.get(USAGE, user_id) or {"bytes": 0}
    await tx.put(USAGE, user_id, {"bytes": max(0, usage["bytes"] + delta)})


class PeopleProjection:
    """Who people are, as the directory says: names are read from here when a folder is
    listed, so a renamed sender shows their new name everywhere at once."""

    name = "people"
    collections = (PEOPLE,)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case UserRegistered():
                await tx.put(
                    PEOPLE,
                    event.user_id,
                    {
                        "display_name": display_name(event.first_name, event.last_name),
                        "profile": event.profile,
                        "school_id": event.school_id,
                        # Direction and vie scolaire have the elevated deposit limits.
                        "function": event.function,
                    },
                )
            case UserUpdated():
                person = await tx.get(PEOPLE, event.user_id) or {}  # profile, school kept
                name = display_name(event.first_name, event.last_name)
                changed = {"display_name": name, "function": event.function}
                await tx.put(PEOPLE, event.user_id, {**person, **changed})
