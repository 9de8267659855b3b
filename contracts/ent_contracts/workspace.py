"""Events of "Mes documents", each user's personal workspace (published on the locker's topic).

One stream per user (aggregate id `workspace:<user id>`) holds their folder tree and documents.
A trashed folder takes its contents with it: one event per folder and document, each naming
the folder whose trashing carried it (`with_folder_id`).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

import msgspec

from ent_contracts.locker import LockerEvent, Sha256
from ent_contracts.registry import register

DocumentSource = Literal["upload", "locker"]


@register
class WorkspaceFolderCreated(LockerEvent, frozen=True, kw_only=True):
    """A folder was created in a user's Mes documents, at the root or inside another folder."""

    event_type: ClassVar[str] = "locker.WorkspaceFolderCreated"
    folder_id: str
    owner_id: str
    name: str
    parent_id: str | None = None  # None: at the root of Mes documents


@register
class WorkspaceFolderRenamed(LockerEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "locker.WorkspaceFolderRenamed"
    folder_id: str
    owner_id: str
    name: str


@register
class WorkspaceFolderMoved(LockerEvent, frozen=True, kw_only=True):
    """A folder (with its contents) now lives under another parent, or at the root (None)."""

    event_type: ClassVar[str] = "locker.WorkspaceFolderMoved"
    folder_id: str
    owner_id: str
    parent_id: str | None


@register
class WorkspaceFolderTrashed(LockerEvent, frozen=True, kw_only=True):
    """A folder went to the trash: by itself, or inside the folder `with_folder_id`."""

    event_type: ClassVar[str] = "locker.WorkspaceFolderTrashed"
    folder_id: str
    owner_id: str
    with_folder_id: str | None = None


@register
class WorkspaceDocumentAdded(LockerEvent, frozen=True, kw_only=True):
    """A document entered Mes documents: uploaded, or copied from the Casier (same blob)."""

    event_type: ClassVar[str] = "locker.WorkspaceDocumentAdded"
    item_id: str
    owner_id: str
    folder_id: str | None = None  # None: at the root of Mes documents
    file_name: str
    media_type: str
    size: Annotated[int, msgspec.Meta(ge=1)]
    sha256: Sha256
    blob_key: str
    source: DocumentSource
    source_document_id: str | None = None  # the Casier document it was copied from


@register
class WorkspaceDocumentTrashed(LockerEvent, frozen=True, kw_only=True):
    """A document went to the trash: by itself, or inside the folder `with_folder_id`."""

    event_type: ClassVar[str] = "locker.WorkspaceDocumentTrashed"
    item_id: str
    owner_id: str
    with_folder_id: str | None = None


@register
class DocumentCopiedToWorkspace(LockerEvent, frozen=True, kw_only=True):
    """A Casier document was copied into its owner's Mes documents (as item `item_id`)."""

    event_type: ClassVar[str] = "locker.DocumentCopiedToWorkspace"
    document_id: str
    owner_id: str
    item_id: str
    folder_id: str | None = None


PurgeReason = Literal["deleted", "retention"]


@register
class WorkspaceFolderRestored(LockerEvent, frozen=True, kw_only=True):
    """A trashed folder came back: by itself, or with the folder `with_folder_id`. It lands
    under `parent_id` (its old parent when that is still live, else the root), named `name`
    (its old name, or that name with " (n)" when a live sibling took it meanwhile)."""

    event_type: ClassVar[str] = "locker.WorkspaceFolderRestored"
    folder_id: str
    owner_id: str
    parent_id: str | None
    name: str
    with_folder_id: str | None = None


@register
class WorkspaceDocumentRestored(LockerEvent, frozen=True, kw_only=True):
    """A trashed document came back: by itself, or with the folder `with_folder_id`. It lands
    in `folder_id` (its old folder when that is still live, else the root: None)."""

    event_type: ClassVar[str] = "locker.WorkspaceDocumentRestored"
    item_id: str
    owner_id: str
    folder_id: str | None
    with_folder_id: str | None = None


@register
class WorkspaceFolderPurged(LockerEvent, frozen=True, kw_only=True):
    """A trashed folder is gone for good: deleted by its owner, or by the trash retention.
    What was trashed with it goes too (one event each, naming `with_folder_id`)."""

    event_type: ClassVar[str] = "locker.WorkspaceFolderPurged"
    folder_id: str
    owner_id: str
    reason: PurgeReason
    with_folder_id: str | None = None


@register
class WorkspaceDocumentPurged(LockerEvent, frozen=True, kw_only=True):
    """A trashed document is gone for good: it no longer counts in its owner's quota nor
    refers to its blob."""

    event_type: ClassVar[str] = "locker.WorkspaceDocumentPurged"
    item_id: str
    owner_id: str
    reason: PurgeReason
    with_folder_id: str | None = None
