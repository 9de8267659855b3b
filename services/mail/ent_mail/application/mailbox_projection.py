"""The Messagerie's read models, kept from its own log (a local projection).

- `messages`: one document per message, its whole content (bcc shown to its sender only,
  by the queries).
- `copies`: one per (message, user, home): what a folder listing pages through. `home` is
  where the copy was delivered (Reçus for a recipient, Envoyés for the sender; writing to
  oneself makes both), `folder` where it sits now.
- `folder_counts`: per (user, folder), the total and the unread: the red badge and the
  folder list read one document, never count.
- `folders`: the users' own folders. `drafts`: the drafts in progress.
- `trashed_in`: per conversation, the users with copies in the trash, so that a new message
  brings them back to Reçus (seed 002 §I-5) with one read per send.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from ent_contracts import DomainEvent, Envelope
from ent_contracts.mail import (
    DraftDiscarded,
    DraftSaved,
    FolderCreated,
    FolderDeleted,
    FolderMoved,
    FolderRenamed,
    MailboxEvent,
    MessagesCategorized,
    MessageSent,
    MessagesMoved,
    MessagesPurged,
    MessagesRead,
    MessagesRestored,
    MessagesTrashed,
    MessagesUnread,
)
from ent_kit.storage import Document, DocumentWriter, update_fields

from ent_mail.application import content_uses
from ent_mail.domain.conversation import recipients_of
from ent_mail.domain.mailbox import DRAFTS, INBOX, SENT, TRASH

MESSAGES = "messages"
COPIES = "copies"
FOLDER_COUNTS = "folder_counts"
FOLDERS = "folders"
DRAFTS_COLLECTION = "drafts"
TRASHED_IN = "trashed_in"
PREVIEW_CHARS = 140
_PURGED_FROM = {"deleted": TRASH, "trash_retention": TRASH, "inbox_retention": INBOX}


def copy_id(message_id: str, user_id: str, home: str) -> str:
    return f"{message_id}:{user_id}:{home}"


def count_id(user_id: str, folder: str) -> str:
    return f"{user_id}:{folder}"


def search_key(text: str) -> str:
    """Case- and accent-insensitive: "Élève" and "eleve" both become "eleve"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class MailboxProjection:
    name = "mailbox"
    collections = (
        MESSAGES,
        COPIES,
        FOLDER_COUNTS,
        FOLDERS,
        DRAFTS_COLLECTION,
        TRASHED_IN,
        content_uses.CONTENT_USES,
    )

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case MessageSent():
                await _sent(tx, event)
            case MailboxEvent():
                await _changed(tx, event, envelope.occurred_at)
            case FolderCreated():
                await tx.put(FOLDERS, event.folder_id, _folder(event))
            case FolderRenamed():
                await update_fields(tx, FOLDERS, event.folder_id, name=event.name)
            case FolderMoved():
                await update_fields(
                    tx, FOLDERS, event.folder_id, parent_id=event.parent_id, position=event.position
                )
            case FolderDeleted():
                for folder_id in event.folder_ids:
                    await tx.delete(FOLDERS, folder_id)
                    await tx.delete(FOLDER_COUNTS, count_id(event.user_id, folder_id))
            case DraftSaved():
                await _draft_saved(tx, envelope, event)
            case DraftDiscarded():
                draft = await tx.get(DRAFTS_COLLECTION, event.draft_id)
                if draft is not None:
                    await tx.delete(DRAFTS_COLLECTION, event.draft_id)
                    await _count(tx, event.owner_id, DRAFTS, total=-1)
                    gone = content_uses.shas(draft["attachments"])
                    await content_uses.use(tx, gone, -1, envelope.occurred_at)


def _folder(event: FolderCreated) -> Document:
    return {
        "user_id": event.user_id,
        "name": event.name,
        "parent_id": event.parent_id,
        "position": event.position,
    }


async def _sent(tx: DocumentWriter, event: MessageSent) -> None:
    await tx.put(MESSAGES, event.message_id, _message(event))
    await content_uses.use(tx, content_uses.shas(event.attachments), 1, event.sent_at)
    summary = _summary(event)
    await _deliver(tx, event.sender_id, SENT, "sender", summary, read=True)
    roles = (
        {u: "bcc" for u in event.bcc} | {u: "cc" for u in event.cc} | {u: "to" for u in event.to}
    )
    for user_id in recipients_of(event):
        await _deliver(tx, user_id, INBOX, roles[user_id], summary, read=False)
    await _bring_back_from_trash(tx, event)


def _message(event: MessageSent) -> Document:
    doc: Document = {
        name: getattr(event, name)
        for name in (
            "conversation_id",
            "sender_id",
            "to",
            "cc",
            "bcc",
            "audiences",
            "reply_mode",
            "kind",
            "subject",
            "body_html",
            "body_text",
            "in_reply_to",
            "forwarded_from",
            "sent_at",
        )
    }
    doc["attachments"] = [a for a in event.attachments]
    return doc


def _summary(event: MessageSent) -> Document:
    return {
        "message_id": event.message_id,
        "conversation_id": event.conversation_id,
        "sender_id": event.sender_id,
        "subject": event.subject,
        "subject_key": search_key(event.subject),
        "preview": " ".join(event.body_text.split())[:PREVIEW_CHARS],
        "kind": event.kind,
        "reply_mode": event.reply_mode,
        "sent_at": event.sent_at,
        "has_attachments": bool(event.attachments),
        "category": None,
    }


async def _deliver(
    tx: DocumentWriter, user_id: str, home: str, role: str, summary: Document, *, read: bool
) -> None:
    copy = {**summary, "user_id": user_id, "home": home, "folder": home, "role": role}
    await tx.put(COPIES, copy_id(summary["message_id"], user_id, home), {**copy, "read": read})
    await _count(tx, user_id, home, total=1, unread=0 if read else 1)


async def _bring_back_from_trash(tx: DocumentWriter, event: MessageSent) -> None:
    trashed = await tx.get(TRASHED_IN, event.conversation_id)
    if not trashed:
        return
    users = trashed.get("copies", {})
    back = {u: ids for u, ids in users.items() if u in set(recipients_of(event))}
    for ids in back.values():
        for copy in (await tx.get_many(COPIES, ids)).values():
            await _move(tx, copy, copy["home"])
    if back:
        remaining = {u: ids for u, ids in users.items() if u not in back}
        await tx.put(TRASHED_IN, event.conversation_id, {"copies": remaining})


async def _changed(tx: DocumentWriter, event: MailboxEvent, envelope_at: datetime) -> None:
    ids = [copy_id(m, event.user_id, home) for m in event.message_ids for home in (INBOX, SENT)]
    for copy in (await tx.get_many(COPIES, ids)).values():
        if event.in_folder is not None and copy["folder"] != event.in_folder:
            continue  # the user's other copy of a message to themselves
        match event:
            case MessagesRead() | MessagesUnread():
                await _set_read(tx, copy, read=isinstance(event, MessagesRead))
            case MessagesMoved():
                await _move(tx, copy, event.folder_id)
            case MessagesTrashed():
                await _move(tx, copy, TRASH, trashed_at=event.trashed_at)
            case MessagesRestored():
                if copy["folder"] == TRASH:  # its other copy (written to oneself) stays
                    await _move(tx, copy, copy["home"])
            case MessagesPurged():
                # A retention purge takes only what is still where it was found (a copy
                # restored or moved meanwhile stays); a delete takes it from the trash.
                if copy["folder"] == _PURGED_FROM[event.reason]:
                    await _purge(tx, copy)
                    await _forget_if_unheld(tx, copy["message_id"], envelope_at)
            case MessagesCategorized():
                await tx.put(COPIES, copy["id"], {**copy, "category": event.category})


async def _forget_if_unheld(tx: DocumentWriter, message_id: str, at: datetime) -> None:
    """The last copy gone: the message's content goes, and its attachments lose a use.
    Its copies are known from the message itself (one read, no index on message ids)."""
    message = await tx.get(MESSAGES, message_id)
    if message is None:
        return
    holders = [copy_id(message_id, message["sender_id"], SENT)] + [
        copy_id(message_id, user_id, INBOX)
        for user_id in dict.fromkeys([*message["to"], *message["cc"], *message["bcc"]])
    ]
    if await tx.existing(COPIES, holders):
        return
    await tx.delete(MESSAGES, message_id)
    await content_uses.use(tx, content_uses.shas(message["attachments"]), -1, at)


async def _set_read(tx: DocumentWriter, copy: Document, *, read: bool) -> None:
    if copy["read"] == read:
        return
    await tx.put(COPIES, copy["id"], {**copy, "read": read})
    await _count(tx, copy["user_id"], copy["folder"], unread=-1 if read else 1)


async def _move(tx: DocumentWriter, copy: Document, folder: str, trashed_at: Any = None) -> None:
    if copy["folder"] == folder:
        return
    unread = 0 if copy["read"] else 1
    await _count(tx, copy["user_id"], copy["folder"], total=-1, unread=-unread)
    await _count(tx, copy["user_id"], folder, total=1, unread=unread)
    # `trashed_at` is absent out of the trash: the purge's sparse index skips the copy.
    moved = {k: v for k, v in copy.items() if k != "trashed_at"}
    trashed = {} if trashed_at is None else {"trashed_at": trashed_at}
    await tx.put(COPIES, copy["id"], {**moved, "folder": folder, **trashed})
    if TRASH in (folder, copy["folder"]):
        await _track_trash(tx, copy, trashed=folder == TRASH)


async def _purge(tx: DocumentWriter, copy: Document) -> None:
    await tx.delete(COPIES, copy["id"])
    unread = 0 if copy["read"] else 1
    await _count(tx, copy["user_id"], copy["folder"], total=-1, unread=-unread)
    if copy["folder"] == TRASH:
        await _track_trash(tx, copy, trashed=False)


async def _track_trash(tx: DocumentWriter, copy: Document, *, trashed: bool) -> None:
    doc = await tx.get(TRASHED_IN, copy["conversation_id"]) or {"copies": {}}
    users: dict[str, list[str]] = doc["copies"]
    ids = [i for i in users.get(copy["user_id"], []) if i != copy["id"]]
    if trashed:
        ids.append(copy["id"])
    if ids:
        users[copy["user_id"]] = ids
    else:
        users.pop(copy["user_id"], None)
    await tx.put(TRASHED_IN, copy["conversation_id"], {"copies": users})


async def _count(
    tx: DocumentWriter, user_id: str, folder: str, *, total: int = 0, unread: int = 0
) -> None:
    key = count_id(user_id, folder)
    doc = await tx.get(FOLDER_COUNTS, key) or {
        "user_id": user_id,
        "folder": folder,
        "total": 0,
        "unread": 0,
    }
    doc["total"] = max(0, doc["total"] + total)
    doc["unread"] = max(0, doc["unread"] + unread)
    await tx.put(FOLDER_COUNTS, key, doc)


async def _draft_saved(tx: DocumentWriter, envelope: Envelope, event: DraftSaved) -> None:
    before = await tx.get(DRAFTS_COLLECTION, event.draft_id)
    existed = before is not None
    was = content_uses.shas(before["attachments"]) if before else set()
    now = content_uses.shas(event.attachments)
    await content_uses.use(tx, now - was, 1, envelope.occurred_at)
    await content_uses.use(tx, was - now, -1, envelope.occurred_at)
    fields = {k: v for k, v in _draft_fields(event).items()}
    await tx.put(
        DRAFTS_COLLECTION, event.draft_id, {**fields, "version": envelope.aggregate_version}
    )
    if not existed:
        await _count(tx, event.owner_id, DRAFTS, total=1)


def _draft_fields(event: DraftSaved) -> Document:
    return {
        "owner_id": event.owner_id,
        "to": event.to,
        "cc": event.cc,
        "bcc": event.bcc,
        "reply_mode": event.reply_mode,
        "subject": event.subject,
        "subject_key": search_key(event.subject),
        "body_html": event.body_html,
        "body_text": event.body_text,
        "attachments": event.attachments,
        "in_reply_to": event.in_reply_to,
        "forwarded_from": event.forwarded_from,
        "saved_at": event.saved_at,
    }
