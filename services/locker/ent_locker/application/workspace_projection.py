"""Read models of Mes documents: each user's folders and documents, for listings and downloads."""

from __future__ import annotations

from typing import Any

from ent_contracts import DomainEvent, Envelope
from ent_contracts.workspace import (
    WorkspaceDocumentAdded,
    WorkspaceDocumentTrashed,
    WorkspaceFolderCreated,
    WorkspaceFolderMoved,
    WorkspaceFolderRenamed,
    WorkspaceFolderTrashed,
)
from ent_kit.storage import DocumentWriter

WORKSPACE_FOLDERS = "workspace_folders"  # one row per folder: owner_id, parent_id, name, trashed
# One row per document: owner_id, folder_id, file_name, trashed, blob_key (kept once trashed,
# so a blob that a trashed document still refers to is never taken for unused).
WORKSPACE_ITEMS = "workspace_items"
# Bytes of each user's live documents (uploaded or copied): their share of the quota. A
# trashed document gives its bytes back (Mes documents has no definitive delete).
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
                await _update(
                    tx,
                    WORKSPACE_FOLDERS,
                    event.folder_id,
                    name=event.name,
                    name_key=event.name.casefold(),
                )
            case WorkspaceFolderMoved():
                await _update(tx, WORKSPACE_FOLDERS, event.folder_id, parent_id=event.parent_id)
            case WorkspaceFolderTrashed():
                await _update(
                    tx,
                    WORKSPACE_FOLDERS,
                    event.folder_id,
                    trashed=True,
                    trashed_at=envelope.occurred_at,
                )
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
                    },
                )
                await _add_usage(tx, event.owner_id, event.size)
            case WorkspaceDocumentTrashed():
                item = await tx.get(WORKSPACE_ITEMS, event.item_id)
                if item is not None and not item["trashed"]:
                    await _add_usage(tx, event.owner_id, -item["size"])
                await _update(
                    tx,
                    WORKSPACE_ITEMS,
                    event.item_id,
                    trashed=True,
                    trashed_at=envelope.occurred_at,
                )


async def _update(tx: DocumentWriter, collection: str, doc_id: str, **changes: Any) -> None:
    doc = await tx.get(collection, doc_id)
    if doc is not None:
        doc.pop("id", None)
        await tx.put(collection, doc_id, {**doc, **changes})


async def _add_usage(tx: DocumentWriter, owner_id: str, delta: int) -> None:
    usage = await tx.get(WORKSPACE_USAGE, owner_id) or {"bytes": 0}
    await tx.put(WORKSPACE_USAGE, owner_id, {"bytes": max(0, usage["bytes"] + delta)})
