"""What the Messagerie answers: msgspec Structs, shaped for the API."""

from __future__ import annotations

from datetime import datetime
from typing import Final

import msgspec
from ent_contracts.mail import MessageKind, ReplyMode

from ent_mail.domain.mailbox import ARCHIVE, DRAFTS, INBOX, SENT, TRASH

# The system folders, in the order the folder list shows them, with their French names.
SYSTEM_FOLDER_NAMES: Final = {
    INBOX: "Reçus",
    SENT: "Envoyés",
    DRAFTS: "Brouillons",
    TRASH: "Corbeille",
    ARCHIVE: "Archives",
}

# --- notifications --------------------------------------------------------------------


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    text: str
    document_id: str | None = None
    created_at: datetime
    read: bool


class NotificationPage(msgspec.Struct, frozen=True):
    items: list[Notification]
    next_cursor: str | None


# --- folders and their listings -------------------------------------------------------


class FolderView(msgspec.Struct, frozen=True, kw_only=True):
    folder_id: str  # "inbox", "sent", "drafts", "trash", "archive", or a user folder's id
    name: str
    parent_id: str | None  # None for the system folders and top-level user folders
    position: int  # among its siblings
    system: bool
    total: int
    unread: int


class FolderList(msgspec.Struct, frozen=True, kw_only=True):
    # System folders first (Reçus, Envoyés, Brouillons, Corbeille, Archives), then the
    # user's own: each top-level folder by position, followed by its sub-folders.
    folders: list[FolderView]


class CopySummary(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a folder listing: the caller's copy of a message."""

    message_id: str
    conversation_id: str
    sender_id: str
    sender_name: str
    subject: str
    preview: str
    kind: MessageKind
    sent_at: datetime
    read: bool
    folder: str
    category: str | None
    has_attachments: bool
    reply_mode: ReplyMode


class CopyPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[CopySummary]
    next_cursor: str | None


class UnreadCount(msgspec.Struct, frozen=True, kw_only=True):
    unread: int  # in Reçus: the red badge


class MailHome(msgspec.Struct, frozen=True, kw_only=True):
    """The home page's « Derniers messages » and the badge, in one read."""

    latest: list[CopySummary]
    unread: int


# --- a message, a conversation --------------------------------------------------------


class Person(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    display_name: str


class AttachmentView(msgspec.Struct, frozen=True, kw_only=True):
    attachment_id: str
    name: str
    media_type: str
    size: int
    # Quarantined by the antivirus: listed under a neutral name, no longer downloadable.
    removed: bool = False


class MessageView(msgspec.Struct, frozen=True, kw_only=True):
    message_id: str
    conversation_id: str
    sender: Person
    to: list[Person]
    cc: list[Person]
    bcc: list[Person]  # filled for the message's sender only: blind copies stay blind
    audiences: list[str]  # the groups as the sender chose them (`group:<id>:<role>`)
    reply_mode: ReplyMode
    kind: MessageKind
    subject: str
    body_html: str
    sent_at: datetime
    attachments: list[AttachmentView]
    in_reply_to: str | None
    forwarded_from: str | None
    read: bool
    folder: str
    category: str | None
    # Inside the folder the copy sits in, as it is listed (newest first): the newer and
    # the older neighbour. None at the ends, and in a conversation view.
    previous_id: str | None = None
    next_id: str | None = None


class ConversationView(msgspec.Struct, frozen=True, kw_only=True):
    conversation_id: str
    participants: list[Person]  # as the reader may know them: no one else's blind copies
    messages: list[MessageView]  # oldest first; only those the reader still has a copy of


# --- drafts ---------------------------------------------------------------------------


class DraftView(msgspec.Struct, frozen=True, kw_only=True):
    draft_id: str
    version: int  # sent back on the next autosave: a newer save meanwhile answers 409
    to: list[str]  # as chosen: user ids or audiences (`group:<id>:<role>`)
    cc: list[str]
    bcc: list[str]
    reply_mode: ReplyMode
    subject: str
    body_html: str
    attachments: list[AttachmentView]
    in_reply_to: str | None
    forwarded_from: str | None
    saved_at: datetime


class DraftPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DraftView]
    next_cursor: str | None
