"""Mes documents: folder commands, uploads, and copies of Casier documents (same blob)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ent_contracts import Actor
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore, BlobTooLarge, put_content_addressed
from ent_kit.problems import Problem, field_error
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import ConcurrencyConflict, DocumentReader
from ent_kit.uploads import MultipartReader, fields_then_file

from ent_locker.application.projections import DOCUMENTS, ENTRIES, entry_id
from ent_locker.domain.model import DepositRefused, checked_file_name
from ent_locker.domain.workspace import (
    MAX_COPIED_DOCUMENTS,
    NotInWorkspace,
    Workspace,
    WorkspaceRefused,
    workspace_id,
)

T = TypeVar("T")
ATTEMPTS = 5


class WorkspaceService:
    def __init__(
        self,
        workspaces: Repository[Workspace],
        documents: DocumentReader,
        blobs: BlobStore,
        projector: LocalProjector,
        max_document_bytes: int,
    ) -> None:
        self._workspaces = workspaces
        self._documents = documents  # the locker's read models: who may read which deposit
        self._blobs = blobs
        self._projector = projector
        self._max_bytes = max_document_bytes

    # --- folders ------------------------------------------------------------------

    async def create_folder(self, me: Identity, name: str, parent_id: str | None) -> str:
        folder_id = new_event_id()
        await self._change(me, lambda w: w.create_folder(folder_id, name, parent_id))
        return folder_id

    async def rename_folder(self, me: Identity, folder_id: str, name: str) -> None:
        await self._change(me, lambda w: w.rename_folder(folder_id, name))

    async def move_folder(self, me: Identity, folder_id: str, parent_id: str | None) -> None:
        await self._change(me, lambda w: w.move_folder(folder_id, parent_id))

    async def trash_folder(self, me: Identity, folder_id: str) -> None:
        await self._change(me, lambda w: w.trash_folder(folder_id))

    async def check_folder(self, me: Identity, folder_id: str | None) -> None:
        """404 unless `folder_id` is the root (None) or one of the caller's live folders."""
        if folder_id is not None:
            workspace = await self._load(me)
            _decided(workspace.folder, folder_id)

    # --- documents ----------------------------------------------------------------

    async def trash_item(self, me: Identity, item_id: str) -> None:
        await self._change(me, lambda w: w.trash_document(item_id))

    async def upload(self, me: Identity, form: MultipartReader) -> str:
        """Form: optional `folder_id`, then `file`. Checked before a byte is stored."""
        fields, file_part = await fields_then_file(form)
        unexpected = sorted(set(fields) - {"folder_id"})
        if unexpected:
            raise field_error(unexpected[0], "champ inattendu")
        folder_id = (fields.get("folder_id") or [""])[-1].strip() or None
        await self.check_folder(me, folder_id)
        try:
            checked_file_name(file_part.file_name)
        except DepositRefused as refused:
            raise field_error("file", refused.message) from None
        try:
            blob = await put_content_addressed(self._blobs, form.chunks(), max_size=self._max_bytes)
        except BlobTooLarge:
            raise Problem(
                413, "document_too_large", "Document trop volumineux", max_bytes=self._max_bytes
            ) from None
        item_id = new_event_id()
        await self._change(
            me,
            lambda w: w.add_document(
                item_id=item_id,
                folder_id=folder_id,
                file_name=file_part.file_name,
                media_type=file_part.media_type,
                size=blob.size,
                sha256=blob.sha256,
                blob_key=blob.key,
            ),
        )
        return item_id

    async def copy_from_locker(
        self, me: Identity, document_ids: list[str], folder_id: str | None
    ) -> list[str]:
        """Copy Casier documents the caller received or deposited into one of their folders.
        The copy refers to the same blob; all or nothing."""
        wanted = list(dict.fromkeys(document_ids))
        if not 1 <= len(wanted) <= MAX_COPIED_DOCUMENTS:
            raise field_error("document_ids", f"de 1 à {MAX_COPIED_DOCUMENTS} documents")
        found = await self._documents.get_many(DOCUMENTS, wanted)
        # Readable = still in one of my lockers (a copy I purged from my trash is gone).
        mine = await self._documents.existing(
            ENTRIES, [entry_id(d, me.user_id, doc["sender_id"]) for d, doc in found.items()]
        )
        readable = {
            doc_id: doc
            for doc_id, doc in found.items()
            if entry_id(doc_id, me.user_id, doc["sender_id"]) in mine
        }
        missing = [d for d in wanted if d not in readable]
        if missing:
            # Unknown and not yours answer alike, so ids cannot be probed.
            raise Problem(
                404,
                "document_not_found",
                "Document introuvable",
                field="document_ids",
                document_ids=missing,
            )
        item_ids = {d: new_event_id() for d in wanted}

        def decide(workspace: Workspace) -> None:
            for document_id in wanted:
                doc = readable[document_id]
                workspace.copy_from_locker(
                    item_id=item_ids[document_id],
                    document_id=document_id,
                    folder_id=folder_id,
                    file_name=doc["file_name"],
                    media_type=doc["media_type"],
                    size=doc["size"],
                    sha256=doc["sha256"],
                    blob_key=doc["blob_key"],
                )

        await self._change(me, decide)
        return [item_ids[d] for d in wanted]

    # --- the aggregate ------------------------------------------------------------

    async def _load(self, me: Identity) -> Workspace:
        aggregate_id = workspace_id(me.user_id)
        return await self._workspaces.get(aggregate_id) or Workspace(aggregate_id)

    async def _change(self, me: Identity, decide: Callable[[Workspace], object]) -> None:
        """Load, decide, save; on a concurrent write, reload and decide again. Then wait for
        the read model, so the answer and the next listing show the change."""
        for attempt in range(ATTEMPTS):
            workspace = await self._load(me)
            _decided(decide, workspace)
            try:
                actor = Actor(kind="user", id=me.user_id)
                position = await self._workspaces.save(workspace, actor)
            except ConcurrencyConflict:
                if attempt == ATTEMPTS - 1:
                    raise
                continue
            if position:
                await self._projector.caught_up(position)
            return


def _decided(decide: Callable[..., T], *args: Any) -> T:
    """The domain's refusals, as problem+json naming the field."""
    try:
        return decide(*args)
    except WorkspaceRefused as refused:
        raise Problem(
            400,
            "validation_failed",
            "Invalid input",
            f"{refused.field}: {refused.message}",
            errors=[{"field": refused.field, "message": refused.message, "reason": refused.reason}],
        ) from None
    except NotInWorkspace as missing:
        if missing.kind == "folder":
            raise Problem(
                404, "folder_not_found", "Dossier introuvable", field=missing.field
            ) from None
        raise Problem(404, "item_not_found", "Document introuvable", field=missing.field) from None
