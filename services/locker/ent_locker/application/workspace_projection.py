"""Read models of Mes documents: each user's folders and documents, for listings and downloads."""

from __future__ import annotations

from typing import Any

from ent_contracts import DomainEvent, Envelope
from ent_contracts.workspace import (
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
from ent_kit.blob_sweep import mark_candidate
from ent_kit.storage import DocumentWriter, update_fields

# One row per folder: owner_id, parent_id, name, trashed (and `with_folder_id`: trashed
# inside that folder, so the trash lists only what was trashed by itself). Purged: no row.
WORKSPACE_FOLDERS = "workspace_folders"
# One row per document: owner_id, folder_id, file_name, trashed, blob_key (kept once trashed,
# so a blob that a trashed document still refers to is never taken for unused). A purged
# document has no row: its blob becomes a candidate of the blob sweep.
WORKSPACE_ITEMS = "workspace_items"
# Bytes of each user's documents, live or in the trash (uploaded or copied): their share of
# the quota. A document gives its bytes back when it is purged.
WORKSPACE_USAGE = "workspace_usage"


class WorkspaceProjection:
    name = "workspace"
    collections = (WORKSPACE_FOLDERS, WORKSPACE_ITEMS, WORKSPACE_USAGE)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case WorkspaceFolderCreated():
                await tx.put(
                    WORKSPACE_FOLDERS,
                    event.folder_id,
                    {
                        "owner_id": event.owner_id,
                        "parent_id": event.parent_id,
                        "name": event.name,
                        "name_key": event.name.casefold(),
                        "created_at": envelope.occurred_at,
                        "trashed": False,
                        "trashed_at": None,
                    },
                )
            case WorkspaceFolderRenamed():
                await update_fields(
                    tx,
                    WORKSPACE_FOLDERS,
                    event.folder_id,
                    name=event.name,
                    name_key=event.name.casefold(),
                )
            case WorkspaceFolderMoved():
                await update_fields(
                    tx, WORKSPACE_FOLDERS, event.folder_id, parent_id=event.parent_id
                )
            case WorkspaceFolderTrashed():
                await update_fields(
                    tx,
                    WORKSPACE_FOLDERS,
                    event.folder_id,
                    trashed=True,
                    trashed_at=envelope.occurred_at,
                    with_folder_id=event.with_folder_id,
                )
            case WorkspaceFolderRestored():
                await update_fields(
                    tx,
                    WORKSPACE_FOLDERS,
                    event.folder_id,
                    parent_id=event.parent_id,
                    name=event.name,
                    name_key=event.name.casefold(),
                    trashed=False,
                    trashed_at=None,
                    with_folder_id=None,
                )
            case WorkspaceFolderPurged():
                await tx.delete(WORKSPACE_FOLDERS, event.folder_id)
            case WorkspaceDocumentAdded():
                await tx.put(
                    WORKSPACE_ITEMS,
                    event.item_id,
                    {
                        "owner_id": event.owner_id,
                        "folder_id": event.folder_id,
                        "file_name": event.file_name,
                        "name_key": event.file_name.casefold(),
                        "media_type": event.media_type,
                        "size": event.size,
                        "sha256": event.sha256,
                        "blob_key": event.blob_key,
                        "source": event.source,
                        "source_document_id": event.source_document_id,
                        "added_at": envelope.occurred_at,
                        "trashed": False,
                        "trashed_at": None,
                        "counted": True,
                    },
                )
                await _add_usage(tx, event.owner_id, event.size)
            case WorkspaceDocumentTrashed():
                # Still counted in the trash: its blob is still stored.
                await update_fields(
                    tx,
                    WORKSPACE_ITEMS,
                    event.item_id,
                    trashed=True,
                    trashed_at=envelope.occurred_at,
                    with_folder_id=event.with_folder_id,
                    counted=True,
                )
            case WorkspaceDocumentRestored():
                item = await tx.get(WORKSPACE_ITEMS, event.item_id)
                if item is not None and not _counted(item):
                    await _add_usage(tx, event.owner_id, item["size"])
                await update_fields(
                    tx,
                    WORKSPACE_ITEMS,
                    event.item_id,
                    folder_id=event.folder_id,
                    trashed=False,
                    trashed_at=None,
                    with_folder_id=None,
                    counted=True,
                )
            case WorkspaceDocumentPurged():
                item = await tx.get(WORKSPACE_ITEMS, event.item_id)
                if item is None:
                    return
                if _counted(item):
                    await _add_usage(tx, event.owner_id, -item["size"])
                await tx.delete(WORKSPACE_ITEMS, event.item_id)
                # The sweep deletes the blob unless something else (the Casier, another
                # document) still names it.
                await mark_candidate(tx, item["blob_key"], envelope.occurred_at)


def _counted(item: dict[str, Any]) -> bool:
    """Whether the item's bytes are in its owner's usage. Rows trashed before the trash
    counted (no `counted`) had given their bytes back already: never given back twice."""
    return bool(item.get("counted", not item["trashed"]))


async def _add_usage(tx: DocumentWriter, owner_id: str, delta: int) -> None:
    usage = await tx.get(WORKSPACE_USAGE, owner_id) or {"bytes": 0}
    await tx.put(WORKSPACE_USAGE, owner_id, {"bytes": max(0, usage["bytes"] + delta)})
