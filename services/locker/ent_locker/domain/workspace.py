"""Mes documents: each user's folder tree and personal documents. Pure rules, no I/O.

One aggregate per user holds the whole tree, so every rule about names, depth and moves is
checked in one place against one consistent state.
"""

from __future__ import annotations

from dataclasses import dataclass

from ent_contracts import DomainEvent
from ent_contracts.workspace import (
    DocumentCopiedToWorkspace,
    DocumentSource,
    PurgeReason,
    WorkspaceDocumentAdded,
    WorkspaceDocumentPurged,
    WorkspaceDocumentRestored,
    WorkspaceDocumentTrashed,
    WorkspaceFolderCreated,
    WorkspaceFolderMoved,
    WorkspaceFolderPurged,
    WorkspaceFolderRenamed,
    WorkspaceFolderRestored,
    WorkspaceFolderTrashed,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import NotFound, Refused

from ent_locker import texts
from ent_locker.domain.model import StoredFile, checked_name
from ent_locker.domain.workspace_trash import (
    TrashState,
    free_name,
    in_trash,
    trashed_with,
)

# "Un seul niveau de sous-dossier": a folder at the root may hold folders, those may not.
MAX_FOLDER_DEPTH = 2
MAX_FOLDERS = 1000  # live folders per user: the whole tree is served in one answer
MAX_COPIED_DOCUMENTS = 100  # documents copied from the Casier in one request

AGGREGATE_PREFIX = "workspace:"


def workspace_id(owner_id: str) -> str:
    return f"{AGGREGATE_PREFIX}{owner_id}"


def checked_folder_name(name: str) -> str:
    """A folder's name follows the rules of a file's name (the same check, another field)."""
    return checked_name(name, "name", texts.OF_FOLDER)


@dataclass
class Folder:
    folder_id: str
    name: str
    parent_id: str | None
    state: TrashState = "live"
    with_folder_id: str | None = None  # trashed inside this folder

    @property
    def trashed(self) -> bool:
        return self.state != "live"


@dataclass
class Item:
    item_id: str
    folder_id: str | None
    file_name: str
    state: TrashState = "live"
    with_folder_id: str | None = None  # trashed inside this folder

    @property
    def trashed(self) -> bool:
        return self.state != "live"


class Workspace(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.owner_id = aggregate_id.removeprefix(AGGREGATE_PREFIX)
        self.folders: dict[str, Folder] = {}
        self.items: dict[str, Item] = {}

    # --- reading the tree ---------------------------------------------------------

    def folder(self, folder_id: str, field: str = "folder_id") -> Folder:
        folder = self.folders.get(folder_id)
        # Unknown, trashed and someone else's answer alike: nothing can be probed.
        if folder is None or folder.trashed:
            raise NotFound(field, "folder_not_found", texts.FOLDER_NOT_FOUND)
        return folder

    def item(self, item_id: str, field: str = "item_id") -> Item:
        item = self.items.get(item_id)
        if item is None or item.trashed:
            raise NotFound(field, "item_not_found", texts.ITEM_NOT_FOUND)
        return item

    def parent_or_root(self, parent_id: str | None, field: str) -> str | None:
        """The live folder `parent_id` (None: the root)."""
        return None if parent_id is None else self.folder(parent_id, field).folder_id

    def depth(self, folder_id: str | None) -> int:
        """0 for the root, 1 for a folder at the root, 2 for a sub-folder..."""
        depth = 0
        while folder_id is not None:
            depth += 1
            folder_id = self.folders[folder_id].parent_id
        return depth

    def children(self, folder_id: str | None) -> list[Folder]:
        return [f for f in self.folders.values() if f.parent_id == folder_id and not f.trashed]

    def height(self, folder_id: str) -> int:
        """Levels of folders from this one down (1 for a folder without sub-folders)."""
        return 1 + max((self.height(c.folder_id) for c in self.children(folder_id)), default=0)

    def descendants(self, folder_id: str) -> list[Folder]:
        found: list[Folder] = []
        for child in self.children(folder_id):
            found += [child, *self.descendants(child.folder_id)]
        return found

    def live_folder_count(self) -> int:
        return sum(not f.trashed for f in self.folders.values())

    # --- deciding -----------------------------------------------------------------

    def create_folder(self, folder_id: str, name: str, parent_id: str | None = None) -> None:
        if folder_id in self.folders:
            raise Refused("folder_id", "already_exists", texts.FOLDER_EXISTS)
        parent = self.parent_or_root(parent_id, "parent_id")
        if self.depth(parent) + 1 > MAX_FOLDER_DEPTH:
            raise _too_deep()
        if self.live_folder_count() >= MAX_FOLDERS:
            raise Refused(
                "parent_id", "too_many_folders", texts.TOO_MANY_FOLDERS.format(max=MAX_FOLDERS)
            )
        name = checked_folder_name(name)
        self._check_name_free(parent, name)
        self.trigger(
            WorkspaceFolderCreated(
                folder_id=folder_id, owner_id=self.owner_id, name=name, parent_id=parent
            )
        )

    def rename_folder(self, folder_id: str, name: str) -> bool:
        """False when the name is already this one (nothing to record)."""
        folder = self.folder(folder_id)
        name = checked_folder_name(name)
        if name == folder.name:
            return False
        self._check_name_free(folder.parent_id, name, but=folder_id)
        self.trigger(WorkspaceFolderRenamed(folder_id=folder_id, owner_id=self.owner_id, name=name))
        return True

    def move_folder(self, folder_id: str, parent_id: str | None) -> bool:
        """False when the folder is already there."""
        folder = self.folder(folder_id)
        parent = self.parent_or_root(parent_id, "parent_id")
        if parent == folder.parent_id:
            return False
        if parent is not None and (
            parent == folder_id or parent in {d.folder_id for d in self.descendants(folder_id)}
        ):
            raise Refused("parent_id", "folder_cycle", texts.FOLDER_CYCLE)
        if self.depth(parent) + self.height(folder_id) > MAX_FOLDER_DEPTH:
            raise _too_deep()
        self._check_name_free(parent, folder.name)
        self.trigger(
            WorkspaceFolderMoved(folder_id=folder_id, owner_id=self.owner_id, parent_id=parent)
        )
        return True

    def trash_folder(self, folder_id: str) -> None:
        """The folder goes to the trash with everything in it, sub-folders included."""
        self.folder(folder_id)
        inside = self.descendants(folder_id)
        folder_ids = {folder_id, *(f.folder_id for f in inside)}
        for item in list(self.items.values()):
            if not item.trashed and item.folder_id in folder_ids:
                self.trigger(
                    WorkspaceDocumentTrashed(
                        item_id=item.item_id, owner_id=self.owner_id, with_folder_id=folder_id
                    )
                )
        for sub in reversed(inside):  # deepest first: the tree stays whole at every step
            self.trigger(
                WorkspaceFolderTrashed(
                    folder_id=sub.folder_id, owner_id=self.owner_id, with_folder_id=folder_id
                )
            )
        self.trigger(WorkspaceFolderTrashed(folder_id=folder_id, owner_id=self.owner_id))

    def add_document(
        self,
        *,
        item_id: str,
        folder_id: str | None,
        file: StoredFile,
        source: DocumentSource = "upload",
        source_document_id: str | None = None,
    ) -> WorkspaceDocumentAdded:
        if item_id in self.items:
            raise Refused("item_id", "already_exists", texts.ITEM_EXISTS)
        folder = self.parent_or_root(folder_id, "folder_id")
        file = file.checked()
        added = WorkspaceDocumentAdded(
            item_id=item_id,
            owner_id=self.owner_id,
            folder_id=folder,
            file_name=file.file_name,
            media_type=file.media_type,
            size=file.size,
            sha256=file.sha256,
            blob_key=file.blob_key,
            source=source,
            source_document_id=source_document_id,
        )
        self.trigger(added)
        return added

    def copy_from_locker(
        self, *, item_id: str, document_id: str, folder_id: str | None, file: StoredFile
    ) -> WorkspaceDocumentAdded:
        """A Casier document the caller may read becomes one of their documents: same blob."""
        added = self.add_document(
            item_id=item_id,
            folder_id=folder_id,
            file=file,
            source="locker",
            source_document_id=document_id,
        )
        copied = DocumentCopiedToWorkspace(
            document_id=document_id,
            owner_id=self.owner_id,
            item_id=item_id,
            folder_id=added.folder_id,
        )
        self.trigger(copied)
        return added

    def trash_document(self, item_id: str) -> None:
        self.item(item_id)
        self.trigger(WorkspaceDocumentTrashed(item_id=item_id, owner_id=self.owner_id))

    # --- the trash ------------------------------------------------------------------

    def trashed_folder(self, folder_id: str) -> Folder:
        """A folder of this trash; NotFound when unknown or purged, Refused when live."""
        return in_trash(self.folders.get(folder_id), "folder_id", texts.FOLDER_NOT_FOUND)

    def trashed_item(self, item_id: str) -> Item:
        return in_trash(self.items.get(item_id), "item_id", texts.ITEM_NOT_FOUND)

    def restore_folder(self, folder_id: str) -> bool:
        """Back where it was with what was trashed with it; at the root when its parent is
        no longer live or cannot hold it any more. A name a live sibling took meanwhile
        gets " (n)", as a zip does. False when it is not in the trash (already back)."""
        folder = self.folders.get(folder_id)
        if folder is not None and folder.state == "live":
            return False
        folder = self.trashed_folder(folder_id)
        subs = trashed_with(self.folders.values(), folder_id)
        if self.live_folder_count() + 1 + len(subs) > MAX_FOLDERS:
            raise Refused(
                "folder_id", "too_many_folders", texts.TOO_MANY_FOLDERS.format(max=MAX_FOLDERS)
            )
        parent = folder.parent_id
        height = 2 if any(s.parent_id == folder_id for s in subs) else 1
        if parent is not None and (
            self.folders[parent].trashed or self.depth(parent) + height > MAX_FOLDER_DEPTH
        ):
            parent = None
        taken = {f.name for f in self.children(parent)}
        self.trigger(
            WorkspaceFolderRestored(
                folder_id=folder_id,
                owner_id=self.owner_id,
                parent_id=parent,
                name=free_name(folder.name, taken),
            )
        )
        for sub in subs:  # back under their restored parent, as they were
            self.trigger(
                WorkspaceFolderRestored(
                    folder_id=sub.folder_id,
                    owner_id=self.owner_id,
                    parent_id=sub.parent_id,
                    name=sub.name,
                    with_folder_id=folder_id,
                )
            )
        for item in trashed_with(self.items.values(), folder_id):
            self._restore_item(item, with_folder_id=folder_id)
        return True

    def restore_document(self, item_id: str) -> bool:
        """Back in its folder, or at the root when that folder is no longer live."""
        item = self.items.get(item_id)
        if item is not None and item.state == "live":
            return False
        self._restore_item(self.trashed_item(item_id))
        return True

    def purge_folder(self, folder_id: str, reason: PurgeReason) -> None:
        """Definitive delete, only from the trash, with what was trashed with it."""
        self.trashed_folder(folder_id)
        for item in trashed_with(self.items.values(), folder_id):
            self.trigger(
                WorkspaceDocumentPurged(
                    item_id=item.item_id,
                    owner_id=self.owner_id,
                    reason=reason,
                    with_folder_id=folder_id,
                )
            )
        for sub in reversed(trashed_with(self.folders.values(), folder_id)):
            self.trigger(
                WorkspaceFolderPurged(
                    folder_id=sub.folder_id,
                    owner_id=self.owner_id,
                    reason=reason,
                    with_folder_id=folder_id,
                )
            )
        self.trigger(
            WorkspaceFolderPurged(folder_id=folder_id, owner_id=self.owner_id, reason=reason)
        )

    def purge_document(self, item_id: str, reason: PurgeReason) -> None:
        self.trashed_item(item_id)
        self.trigger(
            WorkspaceDocumentPurged(item_id=item_id, owner_id=self.owner_id, reason=reason)
        )

    def _restore_item(self, item: Item, with_folder_id: str | None = None) -> None:
        folder = item.folder_id
        if folder is not None and self.folders[folder].trashed:
            folder = None
        self.trigger(
            WorkspaceDocumentRestored(
                item_id=item.item_id,
                owner_id=self.owner_id,
                folder_id=folder,
                with_folder_id=with_folder_id,
            )
        )

    def _check_name_free(self, parent_id: str | None, name: str, but: str | None = None) -> None:
        key = name.casefold()
        if any(f.name.casefold() == key for f in self.children(parent_id) if f.folder_id != but):
            raise Refused("name", "name_taken", texts.NAME_TAKEN)

    # --- evolving -----------------------------------------------------------------

    def when(self, event: DomainEvent) -> None:
        match event:
            case WorkspaceFolderCreated():
                self.folders[event.folder_id] = Folder(event.folder_id, event.name, event.parent_id)
            case WorkspaceFolderRenamed():
                self.folders[event.folder_id].name = event.name
            case WorkspaceFolderMoved():
                self.folders[event.folder_id].parent_id = event.parent_id
            case WorkspaceFolderTrashed():
                folder = self.folders[event.folder_id]
                folder.state, folder.with_folder_id = "trashed", event.with_folder_id
            case WorkspaceFolderRestored():
                folder = self.folders[event.folder_id]
                folder.state, folder.with_folder_id = "live", None
                folder.parent_id, folder.name = event.parent_id, event.name
            case WorkspaceFolderPurged():
                self.folders[event.folder_id].state = "purged"
            case WorkspaceDocumentAdded():
                self.items[event.item_id] = Item(event.item_id, event.folder_id, event.file_name)
            case WorkspaceDocumentTrashed():
                item = self.items[event.item_id]
                item.state, item.with_folder_id = "trashed", event.with_folder_id
            case WorkspaceDocumentRestored():
                item = self.items[event.item_id]
                item.state, item.with_folder_id = "live", None
                item.folder_id = event.folder_id
            case WorkspaceDocumentPurged():
                self.items[event.item_id].state = "purged"


def _too_deep() -> Refused:
    return Refused("parent_id", "folder_too_deep", texts.FOLDER_TOO_DEEP)
