"""Casier HTTP API: deposit, folders (Mon casier, Historique), document download."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from ent_kit.auth import Identity
from ent_kit.downloads import attachment_headers
from ent_kit.http import find_page
from ent_kit.problems import Problem
from ent_kit.runtime import Runtime
from ent_kit.storage import Query
from ent_kit.uploads import MultipartReader
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Stream

from ent_locker.application.deposits import DepositReceipt, DepositService
from ent_locker.application.projections import DOCUMENTS, ENTRIES, HISTORY, PEOPLE, RECEIVED


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


class FolderPage(msgspec.Struct, frozen=True):
    items: list[FolderEntry]
    next_cursor: str | None


PageSize = Annotated[int, Parameter(ge=1, le=200, description="Entries per page")]


class LockerController(Controller):
    path = "/locker"
    tags = ["locker"]

    @post(
        "/deposits",
        status_code=201,
        summary="Deposit a document into lockers",
        description=(
            "multipart/form-data: `recipients` (repeated, or comma-separated user ids), "
            "optional `previous_version_id`, then `file` last. Streamed, never buffered whole."
        ),
    )
    async def deposit(
        self, request: Request[Identity, Any, Any], deposits: DepositService
    ) -> DepositReceipt:
        form = MultipartReader(request.headers.get("content-type", ""), request.stream())
        return await deposits.deposit(request.user, form)

    @get("/received", summary="Mon casier: documents deposited into my locker, newest first")
    async def received(
        self,
        request: Request[Identity, Any, Any],
        runtime: Runtime,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> FolderPage:
        return await _folder(runtime, request.user, RECEIVED, cursor, limit)

    @get("/history", summary="Historique: documents I deposited, with recipients and time")
    async def history(
        self,
        request: Request[Identity, Any, Any],
        runtime: Runtime,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> FolderPage:
        return await _folder(runtime, request.user, HISTORY, cursor, limit)

    @get("/documents/{document_id:str}/content", summary="Download a document")
    async def content(
        self, request: Request[Identity, Any, Any], runtime: Runtime, document_id: str
    ) -> Stream:
        doc = await _readable_document(runtime, request.user, document_id)
        return Stream(
            runtime.blobs.get(doc["blob_key"]),
            media_type=doc["media_type"],
            headers=attachment_headers(doc["file_name"], doc["size"], doc["sha256"]),
        )


async def _folder(
    runtime: Runtime, me: Identity, folder: str, cursor: str | None, limit: int
) -> FolderPage:
    query = Query(
        where={"owner_id": me.user_id, "folder": folder},
        order_by=[("deposited_at", "desc")],
        limit=limit,
        after=cursor,
    )
    page = await find_page(runtime.storage.documents, ENTRIES, query)
    # Names are read now, not copied at deposit time: a renamed sender shows the new name.
    senders = await runtime.storage.documents.get_many(
        PEOPLE, sorted({e["sender_id"] for e in page.items})
    )
    items = [
        {**e, "sender_name": senders.get(e["sender_id"], {}).get("display_name", "")}
        for e in page.items
    ]
    return FolderPage(msgspec.convert(items, list[FolderEntry]), page.next_cursor)


async def _readable_document(runtime: Runtime, me: Identity, document_id: str) -> dict[str, Any]:
    doc = await runtime.storage.documents.get(DOCUMENTS, document_id)
    # Not found and not yours answer alike, so ids cannot be probed.
    if doc is None or me.user_id not in (doc["sender_id"], *doc["recipient_ids"]):
        raise Problem(404, "document_not_found", "Document introuvable")
    return doc
