"""Events of the Messagerie (mail) domain.

Two kinds of streams keep a 200-recipient send one append:
- a conversation (`conversation:<id>`) records what was said: `MessageSent`, with every
  recipient resolved, once;
- a mailbox per user (`mailbox:<user id>`) records where that user's copies sit and how
  they look to them: read, moved, trashed, restored, purged, categorized, and their folders.
A copy's first place (Reçus for recipients, Envoyés for the sender) follows from
`MessageSent` itself; only what a user does to it later lands on their mailbox.
Drafts are streams of their own (`draft:<id>`), saved whole on every autosave.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

import msgspec

from ent_contracts import topics
from ent_contracts.envelope import DomainEvent
from ent_contracts.registry import register

Sha256 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
# "Me répondre uniquement" / "Répondre à tous" (seed 002 §I-3).
ReplyMode = Literal["sender_only", "all"]
# Seed 002 §I-2's display by type: information (reply to the sender only), discussions
# (reply all), ENT messages (system, no reply), institutional communications.
MessageKind = Literal["information", "discussion", "system", "institutional"]
PurgeReason = Literal["deleted", "trash_retention", "inbox_retention"]
DraftEnd = Literal["discarded", "sent", "expired"]


class MailEvent(DomainEvent, frozen=True, kw_only=True):
    topic: ClassVar[str] = topics.MAIL


class AttachmentRef(msgspec.Struct, frozen=True, kw_only=True):
    """An attachment's content, stored once by SHA-256 however many recipients."""

    attachment_id: str
    name: str
    media_type: str
    size: Annotated[int, msgspec.Meta(ge=0)]
    sha256: Sha256


@register
class MessageSent(MailEvent, frozen=True, kw_only=True):
    """A message delivered: the copies go to each recipient's Reçus and the sender's Envoyés.
    `to`, `cc`, `bcc` are user ids with audiences expanded; `audiences` are the groups as
    the sender chose them (`group:<id>:<role>`), for display and the address book."""

    event_type: ClassVar[str] = "mail.MessageSent"
    conversation_id: str
    message_id: str
    sender_id: str
    to: list[str]
    cc: list[str] = []
    bcc: list[str] = []
    audiences: list[str] = []
    named_users: list[str] = []  # the people the sender named one by one (address book)
    reply_mode: ReplyMode
    kind: MessageKind = "information"
    subject: str
    body_html: str
    body_text: str
    attachments: list[AttachmentRef] = []
    in_reply_to: str | None = None
    forwarded_from: str | None = None
    sent_at: datetime


class MailboxEvent(MailEvent, frozen=True, kw_only=True):
    """Something one user did to their own copies: `user_id` owns the mailbox."""

    user_id: str
    message_ids: list[str]
    # The folder the selection was made in: only the copies there (a message one wrote to
    # oneself has a copy in Reçus and one in Envoyés). None: every copy of each message.
    in_folder: str | None = None


@register
class MessagesRead(MailboxEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "mail.MessagesRead"


@register
class MessagesUnread(MailboxEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "mail.MessagesUnread"


@register
class MessagesMoved(MailboxEvent, frozen=True, kw_only=True):
    """ "Ranger dans…": into Archives or one of the user's folders."""

    event_type: ClassVar[str] = "mail.MessagesMoved"
    folder_id: str


@register
class MessagesTrashed(MailboxEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "mail.MessagesTrashed"
    trashed_at: datetime


@register
class MessagesRestored(MailboxEvent, frozen=True, kw_only=True):
    """Back from the trash to where they were first delivered (Reçus, or Envoyés)."""

    event_type: ClassVar[str] = "mail.MessagesRestored"


@register
class MessagesPurged(MailboxEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "mail.MessagesPurged"
    reason: PurgeReason


@register
class MessagesCategorized(MailboxEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "mail.MessagesCategorized"
    category: str | None  # None: category removed


@register
class FolderCreated(MailEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "mail.FolderCreated"
    user_id: str
    folder_id: str
    name: str
    parent_id: str | None = None
    position: int


@register
class FolderRenamed(MailEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "mail.FolderRenamed"
    user_id: str
    folder_id: str
    name: str


@register
class FolderMoved(MailEvent, frozen=True, kw_only=True):
    """Reordered (a new position) and/or nested under another top-level folder."""

    event_type: ClassVar[str] = "mail.FolderMoved"
    user_id: str
    folder_id: str
    parent_id: str | None
    position: int


@register
class FolderDeleted(MailEvent, frozen=True, kw_only=True):
    """The folder and its sub-folders are gone; their messages went to the trash."""

    event_type: ClassVar[str] = "mail.FolderDeleted"
    user_id: str
    folder_ids: list[str]


@register
class DraftSaved(MailEvent, frozen=True, kw_only=True):
    """The whole draft as of this save (autosave sends it whole): recipients as chosen."""

    event_type: ClassVar[str] = "mail.DraftSaved"
    draft_id: str
    owner_id: str
    to: list[str] = []
    cc: list[str] = []
    bcc: list[str] = []
    reply_mode: ReplyMode = "sender_only"
    subject: str = ""
    body_html: str = ""
    body_text: str = ""
    attachments: list[AttachmentRef] = []
    in_reply_to: str | None = None
    forwarded_from: str | None = None
    saved_at: datetime


@register
class DraftDiscarded(MailEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "mail.DraftDiscarded"
    draft_id: str
    owner_id: str
    reason: DraftEnd


@register
class AttachmentStored(MailEvent, frozen=True, kw_only=True):
    """An attachment uploaded by its owner (or taken from their Mes documents), its content
    stored once by SHA-256, ready to be named in a draft or a message."""

    event_type: ClassVar[str] = "mail.AttachmentStored"
    owner_id: str
    attachment: AttachmentRef
    source: Literal["upload", "workspace"] = "upload"


@register
class AttachmentQuarantined(MailEvent, frozen=True, kw_only=True):
    """The antivirus found `signature` in this content: every reader sees « Pièce jointe
    supprimée » instead, and the content is never served."""

    event_type: ClassVar[str] = "mail.AttachmentQuarantined"
    sha256: Sha256
    signature: str


@register
class ContactRemoved(MailEvent, frozen=True, kw_only=True):
    """Removed from the owner's address book (until they write to them again)."""

    event_type: ClassVar[str] = "mail.ContactRemoved"
    owner_id: str
    contact: str  # a user id, or an audience `group:<id>:<role>`


@register
class NotificationAddressSet(MailEvent, frozen=True, kw_only=True):
    """Where its owner wants to be told of new messages by e-mail (None: not at all)."""

    event_type: ClassVar[str] = "mail.NotificationAddressSet"
    user_id: str
    address: str | None


@register
class NotificationSent(MailEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "mail.NotificationSent"
    message_id: str
    user_id: str
    attempts: int


@register
class NotificationFailed(MailEvent, frozen=True, kw_only=True):
    """The relay kept refusing or could not be reached: given up after `attempts` (the
    message itself is delivered in the Messagerie whatever happens here)."""

    event_type: ClassVar[str] = "mail.NotificationFailed"
    message_id: str
    user_id: str
    attempts: int
    error: str


@register
class SendLimitReached(MailEvent, frozen=True, kw_only=True):
    """A sender hit a send limit (the March 2024 mass mailings from hijacked accounts):
    nothing was delivered. Operators alert on this; the directory counts them and freezes
    an account that keeps hitting limits."""

    event_type: ClassVar[str] = "mail.SendLimitReached"
    sender_id: str
    limit: Literal["messages_per_hour", "recipients_per_day"]
    allowed: int
    attempted: int


@register
class ExternalEmailQueued(MailEvent, frozen=True, kw_only=True):
    """A service of the platform (`requested_by`) asked for an e-mail outside the ENT on
    behalf of one of its users (e.g. a transfer's link sent to addresses): one e-mail per
    address of `to`, sent by the notification dispatcher, retried like a notification."""

    event_type: ClassVar[str] = "mail.ExternalEmailQueued"
    email_id: str
    requested_by: str  # the calling service
    on_behalf_of: str  # the user it acts for (whose daily allowance it counts against)
    to: list[str]
    subject: str
    text: str
    queued_at: datetime  # the day it counts for in the user's allowance


@register
class ExternalEmailSent(MailEvent, frozen=True, kw_only=True):
    """The relay took the e-mail to `to[recipient]` of that `ExternalEmailQueued` (the
    address is not repeated: it stays in one event only)."""

    event_type: ClassVar[str] = "mail.ExternalEmailSent"
    email_id: str
    recipient: int
    attempts: int


@register
class ExternalEmailFailed(MailEvent, frozen=True, kw_only=True):
    """Given up after `attempts`: the relay kept refusing, or none is configured."""

    event_type: ClassVar[str] = "mail.ExternalEmailFailed"
    email_id: str
    recipient: int
    attempts: int
    error: str
