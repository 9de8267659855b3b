"""What clients send to the Messagerie's commands: msgspec Structs, decoded by Litestar."""

from __future__ import annotations

from typing import Literal

import msgspec


class MessageForm(msgspec.Struct, frozen=True, kw_only=True):
    """A message to send, or a draft's content. Recipients as users' ids or audiences
    (`group:<id>:<role>`), as the locker takes them."""

    to: list[str] = []
    cc: list[str] = []
    bcc: list[str] = []
    subject: str = ""
    body: str = ""  # HTML from the toolbar: sanitized before it is stored
    reply_mode: Literal["sender_only", "all"] | None = None
    attachment_ids: list[str] = []
    in_reply_to: str | None = None
    forwarded_from: str | None = None


class SystemMessageForm(msgspec.Struct, frozen=True, kw_only=True):
    """An ENT message, from another service: to users by id, read only."""

    to: list[str]
    subject: str
    body: str


class DraftForm(MessageForm, frozen=True, kw_only=True):
    # The version the client last read (autosave): a newer one saved meanwhile gets 409.
    version: int | None = None


class Selection(msgspec.Struct, frozen=True, kw_only=True):
    message_ids: list[str]
    # The folder the selection was made in: only the copies there (one's message to
    # oneself is in Reçus and Envoyés). None: every copy of each message.
    folder: str | None = None


class MoveForm(Selection, frozen=True, kw_only=True):
    folder_id: str


class CategoryForm(Selection, frozen=True, kw_only=True):
    category: str | None = None


class FolderForm(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    parent_id: str | None = None


class FolderRename(msgspec.Struct, frozen=True, kw_only=True):
    name: str


class FolderPlace(msgspec.Struct, frozen=True, kw_only=True):
    parent_id: str | None = None
    position: int = 0


class SentReceipt(msgspec.Struct, frozen=True, kw_only=True):
    message_id: str
    conversation_id: str
    recipients: int  # people it was delivered to, audiences expanded


class DraftSavedReceipt(msgspec.Struct, frozen=True, kw_only=True):
    draft_id: str
    version: int


class SelectionResult(msgspec.Struct, frozen=True, kw_only=True):
    done: list[str]
    not_found: list[str]  # not in the caller's mailbox (or not where the action applies)


class FolderReceipt(msgspec.Struct, frozen=True, kw_only=True):
    folder_id: str
