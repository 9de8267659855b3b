"""Mes documents HTTP API: folder tree, folder content, uploads, downloads, copies from the
Casier. Everything is the caller's own: another user's ids answer 404 like unknown ones.

Items are general documents (uploaded or copied), so other features (mail attachments) can
pick them by `item_id`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated

import msgspec
from ent_kit.controllers import AnyRequest, PageSize
from ent_kit.downloads import file_stream
from ent_kit.errors import Refused
from ent_kit.uploads import MultipartReader, fields_then_file
from litestar import Controller, delete, get, patch, post
from litestar.response import Stream

from ent_locker import texts
from ent_locker.application.queries import WorkspaceQueries
from ent_locker.application.views import (
    ContentPage,
    CopiedItems,
    FolderTree,
    FolderView,
    ItemView,
    TrashPage,
    TrashSelection,
)
from ent_locker.application.workspace import (
    MAX_TRASH_SELECTION,
    UploadForm,
    WorkspaceService,
)
from ent_locker.domain.workspace import MAX_COPIED_DOCUMENTS
from ent_locker.entrypoints.http import declared_length


class NewFolder(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    parent_id: str | None = None  # None: at the root


class FolderChanges(msgspec.Struct, frozen=True, kw_only=True):
    name: str | None = None


class FolderMove(msgspec.Struct, frozen=True, kw_only=True):
    parent_id: str | None  # null: to the root


class CopyFromLocker(msgspec.Struct, frozen=True, kw_only=True):
    document_ids: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_COPIED_DOCUMENTS)]
    folder_id: str | None = None  # None: at the root


TrashIds = Annotated[list[str], msgspec.Meta(max_length=MAX_TRASH_SELECTION)]


class TrashDeletion(msgspec.Struct, frozen=True, kw_only=True):
    """Trashed documents and folders to delete for good: 1 to 200 ids in all."""

    item_ids: TrashIds = []
    folder_ids: TrashIds = []


class WorkspaceController(Controller):
    path = "/locker/workspace"
    tags = ["workspace"]

    @get("/folders/tree", summary="My whole folder tree (Mes documents)")
    async def tree(self, request: AnyRequest, workspace_queries: WorkspaceQueries) -> FolderTree:
        return await workspace_queries.tree(request.user)

    @post("/folders", status_code=201, summary="Create a folder (at the root or in a folder)")
    async def create_folder(
        self, request: AnyRequest, data: NewFolder, workspace: WorkspaceService
    ) -> FolderView:
        return await workspace.create_folder(request.user, data.name, data.parent_id)

    @patch("/folders/{folder_id:str}", summary="Rename a folder")
    async def change_folder(
        self, request: AnyRequest, folder_id: str, data: FolderChanges, workspace: WorkspaceService
    ) -> FolderView:
        return await workspace.rename_folder(request.user, folder_id, data.name)

    @post(
        "/folders/{folder_id:str}/move",
        status_code=200,
        summary="Move a folder (with its content) into another folder, or to the root (null)",
    )
    async def move_folder(
        self, request: AnyRequest, folder_id: str, data: FolderMove, workspace: WorkspaceService
    ) -> FolderView:
        return await workspace.move_folder(request.user, folder_id, data.parent_id)

    @delete("/folders/{folder_id:str}", summary="Put a folder and its whole content in the trash")
    async def trash_folder(
        self, request: AnyRequest, folder_id: str, workspace: WorkspaceService
    ) -> None:
        await workspace.trash_folder(request.user, folder_id)

    @get("/folders/{folder_id:str}/items", summary="A folder's content: folders, then documents")
    async def folder_content(
        self,
        request: AnyRequest,
        folder_id: str,
        workspace_queries: WorkspaceQueries,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> ContentPage:
        return await workspace_queries.content(request.user, folder_id, cursor, limit)

    @get("/items", summary="The root's content: folders, then documents")
    async def root_content(
        self,
        request: AnyRequest,
        workspace_queries: WorkspaceQueries,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> ContentPage:
        return await workspace_queries.content(request.user, None, cursor, limit)

    @post(
        "/items",
        status_code=201,
        summary="Upload a document",
        description=(
            "multipart/form-data: optional `folder_id` (the root without it), then `file` last. "
            "Streamed, never buffered whole."
        ),
        request_max_body_size=None,  # streamed: the upload enforces its own size limit
    )
    async def upload(self, request: AnyRequest, workspace: WorkspaceService) -> ItemView:
        form = await upload_form(request.headers.get("content-type", ""), request.stream())
        form = replace(form, size_hint=declared_length(request))
        return await workspace.upload(request.user, form)

    @get("/items/{item_id:str}/content", summary="Download a document (HTTP Range)")
    async def content(
        self, request: AnyRequest, item_id: str, workspace_queries: WorkspaceQueries
    ) -> Stream:
        download = await workspace_queries.item_content(request.user, item_id)
        return file_stream(download, request.headers.get("range"))

    @delete("/items/{item_id:str}", summary="Put a document in the trash")
    async def trash_item(
        self, request: AnyRequest, item_id: str, workspace: WorkspaceService
    ) -> None:
        await workspace.trash_item(request.user, item_id)

    # --- the trash ----------------------------------------------------------------

    @get("/trash", summary="My trash: folders, then documents, most recently trashed first")
    async def trash(
        self,
        request: AnyRequest,
        workspace_queries: WorkspaceQueries,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> TrashPage:
        return await workspace_queries.trash(request.user, cursor, limit)

    @post(
        "/folders/{folder_id:str}/restore",
        status_code=200,
        summary="Restore a trashed folder with its content",
        description=(
            "Back in its parent folder, or at the root when that is no longer there. A name "
            'taken meanwhile gets " (2)", " (3)"...'
        ),
    )
    async def restore_folder(
        self, request: AnyRequest, folder_id: str, workspace: WorkspaceService
    ) -> FolderView:
        return await workspace.restore_folder(request.user, folder_id)

    @post(
        "/items/{item_id:str}/restore",
        status_code=200,
        summary="Restore a trashed document",
        description="Back in its folder, or at the root when that is no longer there.",
    )
    async def restore_item(
        self, request: AnyRequest, item_id: str, workspace: WorkspaceService
    ) -> ItemView:
        return await workspace.restore_item(request.user, item_id)

    @post(
        "/trash/delete",
        status_code=200,
        summary="Delete trashed documents and folders for good",
        description=(
            "Only from the trash: what is not there is listed in `refused`; unknown ids, and "
            "other users', in `not_found`. A folder goes with what was trashed with it."
        ),
    )
    async def delete_for_good(
        self, request: AnyRequest, data: TrashDeletion, workspace: WorkspaceService
    ) -> TrashSelection:
        return await workspace.delete_for_good(request.user, data.item_ids, data.folder_ids)

    @post(
        "/copy-from-locker",
        status_code=201,
        summary="Copy Casier documents I received or deposited into a folder of Mes documents",
        description="The copies refer to the same stored content: nothing is uploaded again.",
    )
    async def copy_from_locker(
        self, request: AnyRequest, data: CopyFromLocker, workspace: WorkspaceService
    ) -> CopiedItems:
        return await workspace.copy_from_locker(request.user, data.document_ids, data.folder_id)


async def upload_form(content_type: str, body: AsyncIterator[bytes]) -> UploadForm:
    """The multipart form, typed: optional `folder_id`, then the file, left to stream."""
    fields, file = await fields_then_file(MultipartReader(content_type, body))
    unexpected = sorted(set(fields) - {"folder_id"})
    if unexpected:
        raise Refused(unexpected[0], "unexpected", texts.UNEXPECTED_FIELD)
    folder_id = (fields.get("folder_id") or [""])[-1].strip() or None
    return UploadForm(folder_id=folder_id, file=file)
