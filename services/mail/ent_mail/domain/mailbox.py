"""A user's mailbox: their folders, and what they do to their own copies. Pure rules.

Which copies a user has is known from the read model (the application passes only ids
found there); the mailbox decides what may be done with them and to which folder.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from ent_contracts import DomainEvent
from ent_contracts.mail import (
    FolderCreated,
    FolderDeleted,
    FolderMoved,
    FolderRenamed,
    MessagesCategorized,
    MessagesMoved,
    MessagesPurged,
    MessagesRead,
    MessagesRestored,
    MessagesTrashed,
    MessagesUnread,
    PurgeReason,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import NotFound, Refused

from ent_mail import texts

INBOX: Final = "inbox"
SENT: Final = "sent"
DRAFTS: Final = "drafts"
TRASH: Final = "trash"
ARCHIVE: Final = "archive"
SYSTEM_FOLDERS: Final = (INBOX, SENT, DRAFTS, TRASH, ARCHIVE)
MAX_FOLDERS = 200
MAX_FOLDER_NAME = 60
MAX_SELECTION = 500
MAX_CATEGORY = 40


def mailbox_id(user_id: str) -> str:
    return f"mailbox:{user_id}"


@dataclass(frozen=True)
class Folder:
    folder_id: str
    name: str
    parent_id: str | None
    position: int


class Mailbox(Aggregate):
    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.user_id = stream_id.removeprefix("mailbox:")
        self.folders: dict[str, Folder] = {}

    def when(self, event: DomainEvent) -> None:
        match event:
            case FolderCreated():
                folder = Folder(event.folder_id, event.name, event.parent_id, event.position)
                self.folders[event.folder_id] = folder
            case FolderRenamed():
                self.folders[event.folder_id] = replace(
                    self.folders[event.folder_id], name=event.name
                )
            case FolderMoved():
                self.folders[event.folder_id] = replace(
                    self.folders[event.folder_id],
                    parent_id=event.parent_id,
                    position=event.position,
                )
            case FolderDeleted():
                for folder_id in event.folder_ids:
                    self.folders.pop(folder_id, None)

    # --- folders -------------------------------------------------------------------------

    def create_folder(self, folder_id: str, name: str, parent_id: str | None) -> None:
        if len(self.folders) >= MAX_FOLDERS:
            raise Refused(
                "name", "too_many_folders", texts.TOO_MANY_FOLDERS.format(max=MAX_FOLDERS)
            )
        self._check_parent(parent_id, moving=None)
        name = self._free_name(name, parent_id, renaming=None)
        position = len(self._children(parent_id))
        self.trigger(
            FolderCreated(
                user_id=self.user_id,
                folder_id=folder_id,
                name=name,
                parent_id=parent_id,
                position=position,
            )
        )

    def rename_folder(self, folder_id: str, name: str) -> None:
        folder = self.folder(folder_id)
        name = self._free_name(name, folder.parent_id, renaming=folder_id)
        if name != folder.name:
            self.trigger(FolderRenamed(user_id=self.user_id, folder_id=folder_id, name=name))

    def move_folder(self, folder_id: str, parent_id: str | None, position: int) -> None:
        """Reorder among its siblings, or nest under a top-level folder (one level only)."""
        folder = self.folder(folder_id)
        self._check_parent(parent_id, moving=folder_id)
        self._free_name(folder.name, parent_id, renaming=folder_id)
        siblings = [f for f in self._children(parent_id) if f.folder_id != folder_id]
        position = max(0, min(position, len(siblings)))
        self.trigger(
            FolderMoved(
                user_id=self.user_id, folder_id=folder_id, parent_id=parent_id, position=position
            )
        )

    def delete_folder(self, folder_id: str, messages: list[str], at: datetime) -> None:
        """The folder and its sub-folders go; the messages they held go to the trash."""
        self.folder(folder_id)
        doomed = [folder_id, *(f.folder_id for f in self._children(folder_id))]
        if messages:
            self.trigger(MessagesTrashed(user_id=self.user_id, message_ids=messages, trashed_at=at))
        self.trigger(FolderDeleted(user_id=self.user_id, folder_ids=doomed))

    def folder(self, folder_id: str) -> Folder:
        folder = self.folders.get(folder_id)
        if folder is None:
            raise NotFound("folder_id", "folder_not_found", texts.FOLDER_NOT_FOUND)
        return folder

    def _children(self, parent_id: str | None) -> list[Folder]:
        return sorted(
            (f for f in self.folders.values() if f.parent_id == parent_id), key=lambda f: f.position
        )

    def _check_parent(self, parent_id: str | None, *, moving: str | None) -> None:
        if parent_id is None:
            return
        parent = self.folder(parent_id)
        too_deep = parent.parent_id is not None or parent_id == moving
        has_children = moving is not None and bool(self._children(moving))
        if too_deep or has_children:
            raise Refused("parent_id", "too_deep", texts.FOLDER_TOO_DEEP)

    def _free_name(self, name: str, parent_id: str | None, *, renaming: str | None) -> str:
        name = unicodedata.normalize("NFC", " ".join(name.split()))
        if not name:
            raise Refused("name", "invalid_name", texts.FOLDER_NAME_EMPTY)
        if len(name) > MAX_FOLDER_NAME:
            raise Refused(
                "name", "invalid_name", texts.FOLDER_NAME_TOO_LONG.format(max=MAX_FOLDER_NAME)
            )
        taken = {f.name.casefold() for f in self._children(parent_id) if f.folder_id != renaming}
        if name.casefold() in taken:
            raise Refused("name", "folder_exists", texts.FOLDER_EXISTS)
        return name

    # --- copies --------------------------------------------------------------------------

    def mark_read(self, ids: list[str], *, read: bool, in_folder: str | None = None) -> None:
        event = MessagesRead if read else MessagesUnread
        self.trigger(event(user_id=self.user_id, message_ids=_selection(ids), in_folder=in_folder))

    def move(self, ids: list[str], folder_id: str, in_folder: str | None = None) -> None:
        """ "Ranger dans…": Reçus, Archives or one of the user's folders."""
        if folder_id not in (INBOX, ARCHIVE):
            if folder_id in SYSTEM_FOLDERS:
                raise Refused("folder_id", "not_a_target", texts.NOT_A_TARGET)
            self.folder(folder_id)
        self.trigger(
            MessagesMoved(
                user_id=self.user_id,
                message_ids=_selection(ids),
                folder_id=folder_id,
                in_folder=in_folder,
            )
        )

    def trash(self, ids: list[str], at: datetime, in_folder: str | None = None) -> None:
        self.trigger(
            MessagesTrashed(
                user_id=self.user_id,
                message_ids=_selection(ids),
                trashed_at=at,
                in_folder=in_folder,
            )
        )

    def restore(self, ids: list[str]) -> None:
        self.trigger(MessagesRestored(user_id=self.user_id, message_ids=_selection(ids)))

    def purge(self, ids: list[str], reason: PurgeReason) -> None:
        self.trigger(
            MessagesPurged(user_id=self.user_id, message_ids=_selection(ids), reason=reason)
        )

    def categorize(
        self, ids: list[str], category: str | None, in_folder: str | None = None
    ) -> None:
        if category is not None:
            category = " ".join(category.split()) or None
        if category is not None and len(category) > MAX_CATEGORY:
            raise Refused("category", "too_long", texts.CATEGORY_TOO_LONG.format(max=MAX_CATEGORY))
        self.trigger(
            MessagesCategorized(
                user_id=self.user_id,
                message_ids=_selection(ids),
                category=category,
                in_folder=in_folder,
            )
        )


def _selection(ids: list[str]) -> list[str]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise Refused("message_ids", "missing", texts.NOTHING_SELECTED)
    if len(unique) > MAX_SELECTION:
        raise Refused("message_ids", "too_many", texts.TOO_MANY_SELECTED.format(max=MAX_SELECTION))
    return unique
