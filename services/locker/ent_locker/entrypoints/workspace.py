"""Mes documents HTTP API: folder tree, folder content, uploads, downloads, copies from the
Casier. Everything is the caller's own: another user's ids answer 404 like unknown ones.

Items are general documents (uploaded or copied), so other features (mail attachments) can
pick them by `item_id`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from ent_kit.auth import Identity
from ent_kit.downloads import attachment_headers
from ent_kit.http import find_page
from ent_kit.problems import Problem, field_error
from ent_kit.runtime import Runtime
from ent_kit.storage import Query
from ent_kit.uploads import MultipartReader
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import Parameter
from litestar.response import Stream

from ent_locker.application.workspace import WorkspaceService
from ent_locker.application.workspace_projection import WORKSPACE_FOLDERS, WORKSPACE_ITEMS
from ent_locker.domain.workspace import MAX_COPIED_DOCUMENTS

AnyRequest = Request[Identity, Any, Any]
PageSize = Annotated[int, Parameter(ge=1, le=200, description="Entries per page")]
TREE_PAGE = 1000


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


class CopiedItems(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ItemView]  # in the order of `document_ids`


class WorkspaceController(Controller):
    path = "/locker/workspace"
    tags = ["workspace"]

    @get("/folders/tree", summary="My whole folder tree (Mes documents)")
    async def tree(self, request: AnyRequest, runtime: Runtime) -> FolderTree:
        return await _tree(runtime, request.user)

    @post("/folders", status_code=201, summary="Create a folder (at the root or in a folder)")
    async def create_folder(
        self, request: AnyRequest, data: NewFolder, workspace: WorkspaceService, runtime: Runtime
    ) -> FolderView:
        folder_id = await workspace.create_folder(request.user, data.name, data.parent_id)
        return await _folder_view(runtime, request.user, folder_id)

    @patch("/folders/{folder_id:str}", summary="Rename a folder")
    async def change_folder(
        self,
        request: AnyRequest,
        folder_id: str,
        data: FolderChanges,
        workspace: WorkspaceService,
        runtime: Runtime,
    ) -> FolderView:
        if data.name is not None:
            await workspace.rename_folder(request.user, folder_id, data.name)
        return await _folder_view(runtime, request.user, folder_id)

    @post(
        "/folders/{folder_id:str}/move",
        status_code=200,
        summary="Move a folder (with its content) into another folder, or to the root (null)",
    )
    async def move_folder(
        self,
        request: AnyRequest,
        folder_id: str,
        data: FolderMove,
        workspace: WorkspaceService,
        runtime: Runtime,
    ) -> FolderView:
        await workspace.move_folder(request.user, folder_id, data.parent_id)
        return await _folder_view(runtime, request.user, folder_id)

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
        runtime: Runtime,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> ContentPage:
        await _my_folder(runtime, request.user, folder_id)
        return await _content(runtime, request.user, folder_id, cursor, limit)

    @get("/items", summary="The root's content: folders, then documents")
    async def root_content(
        self,
        request: AnyRequest,
        runtime: Runtime,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> ContentPage:
        return await _content(runtime, request.user, None, cursor, limit)

    @post(
        "/items",
        status_code=201,
        summary="Upload a document",
        description=(
            "multipart/form-data: optional `folder_id` (the root without it), then `file` last. "
            "Streamed, never buffered whole."
        ),
    )
    async def upload(
        self, request: AnyRequest, workspace: WorkspaceService, runtime: Runtime
    ) -> ItemView:
        form = MultipartReader(request.headers.get("content-type", ""), request.stream())
        item_id = await workspace.upload(request.user, form)
        return _item_view(await _my_item(runtime, request.user, item_id))

    @get("/items/{item_id:str}/content", summary="Download a document")
    async def content(self, request: AnyRequest, item_id: str, runtime: Runtime) -> Stream:
        item = await _my_item(runtime, request.user, item_id)
        return Stream(
            runtime.blobs.get(item["blob_key"]),
            media_type=item["media_type"],
            headers=attachment_headers(item["file_name"], item["size"], item["sha256"]),
        )

    @delete("/items/{item_id:str}", summary="Put a document in the trash")
    async def trash_item(
        self, request: AnyRequest, item_id: str, workspace: WorkspaceService
    ) -> None:
        await workspace.trash_item(request.user, item_id)

    @post(
        "/copy-from-locker",
        status_code=201,
        summary="Copy Casier documents I received or deposited into a folder of Mes documents",
        description="The copies refer to the same stored content: nothing is uploaded again.",
    )
    async def copy_from_locker(
        self,
        request: AnyRequest,
        data: CopyFromLocker,
        workspace: WorkspaceService,
        runtime: Runtime,
    ) -> CopiedItems:
        item_ids = await workspace.copy_from_locker(request.user, data.document_ids, data.folder_id)
        found = await runtime.storage.documents.get_many(WORKSPACE_ITEMS, item_ids)
        return CopiedItems(items=[_item_view(found[i]) for i in item_ids])


# --- reading the projection -----------------------------------------------------------


def _folder_doc_view(doc: dict[str, Any]) -> FolderView:
    return msgspec.convert({**doc, "folder_id": doc["id"]}, FolderView)


def _item_view(doc: dict[str, Any]) -> ItemView:
    return msgspec.convert({**doc, "item_id": doc["id"]}, ItemView)


async def _my_folder(runtime: Runtime, me: Identity, folder_id: str) -> dict[str, Any]:
    doc = await runtime.storage.documents.get(WORKSPACE_FOLDERS, folder_id)
    # Not found, trashed and not yours answer alike, so ids cannot be probed.
    if doc is None or doc["owner_id"] != me.user_id or doc["trashed"]:
        raise Problem(404, "folder_not_found", "Dossier introuvable", field="folder_id")
    return doc


async def _my_item(runtime: Runtime, me: Identity, item_id: str) -> dict[str, Any]:
    doc = await runtime.storage.documents.get(WORKSPACE_ITEMS, item_id)
    if doc is None or doc["owner_id"] != me.user_id or doc["trashed"]:
        raise Problem(404, "item_not_found", "Document introuvable", field="item_id")
    return doc


async def _folder_view(runtime: Runtime, me: Identity, folder_id: str) -> FolderView:
    return _folder_doc_view(await _my_folder(runtime, me, folder_id))


async def _tree(runtime: Runtime, me: Identity) -> FolderTree:
    live: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = Query(
            where={"owner_id": me.user_id, "trashed": False},
            order_by=[("name_key", "asc")],
            limit=TREE_PAGE,
            after=cursor,
        )
        page = await runtime.storage.documents.find(WORKSPACE_FOLDERS, query)
        live += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    children: dict[str | None, list[dict[str, Any]]] = {}
    for doc in live:  # already sorted by name
        children.setdefault(doc["parent_id"], []).append(doc)

    def branch(parent_id: str | None) -> list[TreeFolder]:
        return [
            TreeFolder(folder_id=d["id"], name=d["name"], children=branch(d["id"]))
            for d in children.get(parent_id, [])
        ]

    return FolderTree(folders=branch(None))


# One cursor pages through the folders, then the documents: "f:<folders cursor>",
# "i:" (the documents from the start), "i:<documents cursor>".
FOLDERS_PHASE, ITEMS_PHASE = "f", "i"


async def _content(
    runtime: Runtime, me: Identity, folder_id: str | None, cursor: str | None, limit: int
) -> ContentPage:
    phase, after = _phase(cursor)
    reader = runtime.storage.documents
    folders: list[dict[str, Any]] = []
    if phase == FOLDERS_PHASE:
        where = {"owner_id": me.user_id, "parent_id": folder_id, "trashed": False}
        query = Query(where=where, order_by=[("name_key", "asc")], limit=limit, after=after)
        page = await find_page(reader, WORKSPACE_FOLDERS, query)
        folders, after = page.items, None
        if page.next_cursor is not None:
            return _content_page(folders, [], f"{FOLDERS_PHASE}:{page.next_cursor}")
    where = {"owner_id": me.user_id, "folder_id": folder_id, "trashed": False}
    room = limit - len(folders)
    if room == 0:  # the folders filled the page: documents follow, if there are any
        peek = await reader.find(WORKSPACE_ITEMS, Query(where=where, limit=1))
        return _content_page(folders, [], f"{ITEMS_PHASE}:" if peek.items else None)
    query = Query(where=where, order_by=[("name_key", "asc")], limit=room, after=after)
    page = await find_page(reader, WORKSPACE_ITEMS, query)
    more = f"{ITEMS_PHASE}:{page.next_cursor}" if page.next_cursor is not None else None
    return _content_page(folders, page.items, more)


def _phase(cursor: str | None) -> tuple[str, str | None]:
    if cursor is None:
        return FOLDERS_PHASE, None
    phase, sep, inner = cursor.partition(":")
    valid = sep and (phase == ITEMS_PHASE or (phase == FOLDERS_PHASE and inner))
    if not valid:
        raise field_error("cursor", "curseur invalide")
    return phase, inner or None


def _content_page(
    folders: list[dict[str, Any]], items: list[dict[str, Any]], next_cursor: str | None
) -> ContentPage:
    return ContentPage(
        folders=[_folder_doc_view(d) for d in folders],
        items=[_item_view(d) for d in items],
        next_cursor=next_cursor,
    )
