"""What the locker's queries and commands answer: the shapes clients see, and a download."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from ent_locker.domain.model import StoredFile

# --- Casier ---------------------------------------------------------------------------


class FolderEntry(msgspec.Struct, frozen=True, kw_only=True):
    document_id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    deposited_at: datetime
    sender_id: str
    sender_name: str
    recipient_ids: list[str] | None = None
    folder: str
    state: str
    trashed_at: datetime | None = None
    previous_version_id: str | None = None


class FolderPage(msgspec.Struct, frozen=True):
    items: list[FolderEntry]
    next_cursor: str | None


class LockerDocument(msgspec.Struct, frozen=True, kw_only=True):
    """A deposited document as the read side knows it (one per deposit)."""

    document_id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    blob_key: str
    sender_id: str
    recipient_ids: list[str]
    deposited_at: datetime
    previous_version_id: str | None = None

    @property
    def file(self) -> StoredFile:
        return StoredFile(
            file_name=self.file_name,
            media_type=self.media_type,
            size=self.size,
            sha256=self.sha256,
            blob_key=self.blob_key,
        )


class Authenticity(msgspec.Struct, frozen=True, kw_only=True):
    genuine: bool  # the signature is ours: nobody altered the receipt
    matches_stored: bool  # and the locker still holds that very document


# --- Mes documents --------------------------------------------------------------------


class FolderView(msgspec.Struct, frozen=True, kw_only=True):
    folder_id: str
    name: str
    parent_id: str | None
    created_at: datetime


class TreeFolder(msgspec.Struct, frozen=True, kw_only=True):
    folder_id: str
    name: str
    children: list[TreeFolder]


class FolderTree(msgspec.Struct, frozen=True, kw_only=True):
    folders: list[TreeFolder]  # the root's folders, each with its sub-folders, by name


class ItemView(msgspec.Struct, frozen=True, kw_only=True):
    item_id: str
    folder_id: str | None
    file_name: str
    media_type: str
    size: int
    sha256: str
    source: Literal["upload", "locker"]
    source_document_id: str | None
    added_at: datetime


class ContentPage(msgspec.Struct, frozen=True, kw_only=True):
    """A folder's content: its folders first, then its documents, each sorted by name."""

    folders: list[FolderView]
    items: list[ItemView]
    next_cursor: str | None


class TrashedFolder(FolderView, frozen=True, kw_only=True):
    trashed_at: datetime


class TrashedItem(ItemView, frozen=True, kw_only=True):
    trashed_at: datetime


class TrashPage(msgspec.Struct, frozen=True, kw_only=True):
    """My trash: what I trashed by itself (not what went with a folder), most recent first:
    folders, then documents."""

    folders: list[TrashedFolder]
    items: list[TrashedItem]
    next_cursor: str | None


class TrashSelection(msgspec.Struct, frozen=True, kw_only=True):
    """What became of each id of a definitive delete (as the Casier's selections answer)."""

    done: list[str]
    not_found: list[str]  # unknown, purged already, or someone else's (indistinguishable)
    refused: list[str]  # not in the trash: nothing disappears in one click


class CopiedItems(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ItemView]  # in the order of `document_ids`
