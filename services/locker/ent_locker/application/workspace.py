"""Mes documents: folder commands, uploads, and copies of Casier documents (same blob).

Each command changes the caller's one Workspace aggregate, waits for the read model, and
answers what the caller now sees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ent_contracts import SYSTEM, Actor
from ent_contracts.workspace import PurgeReason
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore, IncomingFile
from ent_kit.errors import NotFound, Refused
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository

from ent_locker import texts
from ent_locker.application.queries import CasierQueries, WorkspaceQueries
from ent_locker.application.quota import Quota, store_in
from ent_locker.application.views import CopiedItems, FolderView, ItemView, TrashSelection
from ent_locker.domain.model import StoredFile, checked_file_name
from ent_locker.domain.workspace import MAX_COPIED_DOCUMENTS, Workspace, workspace_id

MAX_TRASH_SELECTION = 200  # ids in one definitive delete, as the Casier's selections
T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class UploadForm:
    """An upload as the owner filled it in; the file's body is still unread."""

    folder_id: str | None = None  # None: at the root
    file: IncomingFile
    size_hint: int | None = None  # at most this many bytes (the request's Content-Length)


class WorkspaceService:
    def __init__(
        self,
        workspaces: Repository[Workspace],
        projector: LocalProjector,
        blobs: BlobStore,
        views: WorkspaceQueries,
        casier: CasierQueries,
        quota: Quota,
        max_document_bytes: int,
    ) -> None:
        self._workspaces = workspaces
        self._projector = projector  # Mes documents' read model, waited for before answering
        self._blobs = blobs
        self._views = views
        self._casier = casier  # who may read which Casier document
        self._quota = quota  # uploads and copies count, as the owner's deposits do
        self._max_bytes = max_document_bytes

    # --- folders ------------------------------------------------------------------

    async def create_folder(self, me: Identity, name: str, parent_id: str | None) -> FolderView:
        folder_id = new_event_id()
        await self._change(me, lambda w: w.create_folder(folder_id, name, parent_id))
        return await self._views.folder(me, folder_id)

    async def rename_folder(self, me: Identity, folder_id: str, name: str | None) -> FolderView:
        """No name: nothing to change, the folder as it is."""
        if name is not None:
            await self._change(me, lambda w: w.rename_folder(folder_id, name))
        return await self._views.folder(me, folder_id)

    async def move_folder(self, me: Identity, folder_id: str, parent_id: str | None) -> FolderView:
        await self._change(me, lambda w: w.move_folder(folder_id, parent_id))
        return await self._views.folder(me, folder_id)

    async def trash_folder(self, me: Identity, folder_id: str) -> None:
        await self._change(me, lambda w: w.trash_folder(folder_id))

    # --- documents ----------------------------------------------------------------

    async def trash_item(self, me: Identity, item_id: str) -> None:
        await self._change(me, lambda w: w.trash_document(item_id))

    async def upload(self, me: Identity, form: UploadForm) -> ItemView:
        """Checked before a byte is stored: the folder is mine and live, the name valid."""
        workspace = await self._load(me)
        folder_id = workspace.parent_or_root(form.folder_id, "folder_id")
        checked_file_name(form.file.file_name)
        wanted = min(form.size_hint or self._max_bytes, self._max_bytes)
        # The room stays reserved until the read model counts the document.
        async with self._quota.holding(me.user_id, wanted, field="file") as room:
            blob = await store_in(self._blobs, form.file, room, self._max_bytes)
            file = StoredFile(
                file_name=form.file.file_name,
                media_type=form.file.media_type,
                size=blob.size,
                sha256=blob.sha256,
                blob_key=blob.key,
            )
            item_id = new_event_id()
            await self._change(
                me, lambda w: w.add_document(item_id=item_id, folder_id=folder_id, file=file)
            )
        return await self._views.item(me, item_id)

    async def copy_from_locker(
        self, me: Identity, document_ids: list[str], folder_id: str | None
    ) -> CopiedItems:
        """Copy Casier documents the caller received or deposited into one of their folders.
        The copy refers to the same blob; all or nothing."""
        wanted = list(dict.fromkeys(document_ids))
        if not 1 <= len(wanted) <= MAX_COPIED_DOCUMENTS:
            raise Refused(
                "document_ids", "selection_size", texts.COPY_COUNT.format(max=MAX_COPIED_DOCUMENTS)
            )
        readable = await self._casier.readable_all(me, wanted)
        item_ids = [new_event_id() for _ in readable]

        def decide(workspace: Workspace) -> None:
            for item_id, document in zip(item_ids, readable, strict=True):
                workspace.copy_from_locker(
                    item_id=item_id,
                    document_id=document.document_id,
                    folder_id=folder_id,
                    file=document.file,
                )

        # A copy is the caller's document: it counts for them, whoever deposited it.
        total = sum(document.file.size for document in readable)
        async with self._quota.holding(me.user_id, total, field="document_ids", exact=True):
            await self._change(me, decide)
        return CopiedItems(items=await self._views.items(me, item_ids))

    # --- the trash ----------------------------------------------------------------

    async def restore_folder(self, me: Identity, folder_id: str) -> FolderView:
        """Back with its content, where it was or at the root (see the aggregate)."""
        await self._change(me, lambda w: w.restore_folder(folder_id))
        return await self._views.folder(me, folder_id)

    async def restore_item(self, me: Identity, item_id: str) -> ItemView:
        await self._change(me, lambda w: w.restore_document(item_id))
        return await self._views.item(me, item_id)

    async def delete_for_good(
        self, me: Identity, item_ids: list[str], folder_ids: list[str]
    ) -> TrashSelection:
        """Definitive delete of trashed documents and folders (with what went with them)."""
        if not 1 <= len(set(item_ids)) + len(set(folder_ids)) <= MAX_TRASH_SELECTION:
            raise Refused(
                "item_ids",
                "selection_size",
                texts.TRASH_SELECTION.format(max=MAX_TRASH_SELECTION),
            )
        return await self._purge(me.user_id, me.actor, item_ids, folder_ids, "deleted")

    async def purge_expired(
        self, owner_id: str, item_ids: list[str], folder_ids: list[str]
    ) -> TrashSelection:
        """Trash retention: the system purges these from `owner_id`'s trash. One restored
        meanwhile is `refused`, and stays."""
        return await self._purge(owner_id, SYSTEM, item_ids, folder_ids, "retention")

    async def _purge(
        self,
        owner_id: str,
        actor: Actor,
        item_ids: list[str],
        folder_ids: list[str],
        reason: PurgeReason,
    ) -> TrashSelection:
        def decide(workspace: Workspace) -> TrashSelection:
            done: list[str] = []
            not_found: list[str] = []
            refused: list[str] = []
            # Documents first: one named beside the folder it was trashed with is purged
            # by itself, then the folder, and both answer `done`.
            steps: list[tuple[str, Callable[[str, PurgeReason], None]]]
            steps = [(i, workspace.purge_document) for i in dict.fromkeys(item_ids)]
            steps += [(f, workspace.purge_folder) for f in dict.fromkeys(folder_ids)]
            for some_id, purge in steps:
                try:
                    purge(some_id, reason)
                except NotFound:
                    not_found.append(some_id)
                    continue
                except Refused:
                    refused.append(some_id)
                    continue
                done.append(some_id)
            return TrashSelection(done=done, not_found=not_found, refused=refused)

        return await self._decide(owner_id, actor, decide)

    # --- the aggregate ------------------------------------------------------------

    async def _load(self, me: Identity) -> Workspace:
        aggregate_id = workspace_id(me.user_id)
        return await self._workspaces.get(aggregate_id) or Workspace(aggregate_id)

    async def _change(self, me: Identity, decide: Callable[[Workspace], object]) -> None:
        await self._decide(me.user_id, me.actor, decide)

    async def _decide(self, owner_id: str, actor: Actor, decide: Callable[[Workspace], T]) -> T:
        """Decide on the owner's workspace and save (decided again on a concurrent write),
        then wait for the read model, so the answer and the next listing show the change."""
        saved = await self._workspaces.update(workspace_id(owner_id), decide, actor, create=True)
        await self._projector.caught_up(saved.position)
        return saved.result
