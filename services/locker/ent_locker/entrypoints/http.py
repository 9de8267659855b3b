"""Casier HTTP API: deposit, folders (Mon casier, Historique), document download."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import msgspec
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore
from ent_kit.downloads import attachment_headers
from ent_kit.http import find_page
from ent_kit.problems import Problem, field_error
from ent_kit.runtime import Runtime
from ent_kit.storage import Query
from ent_kit.uploads import MultipartReader
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Stream
from stream_zip import ZIP_AUTO, async_stream_zip

from ent_locker.application.casier import MAX_SELECTION, Casier, SelectionResult
from ent_locker.application.deposits import DepositReceipt, DepositService
from ent_locker.application.projections import (
    ACTIVE,
    DOCUMENTS,
    ENTRIES,
    HISTORY,
    PEOPLE,
    RECEIVED,
    TRASHED,
    entry_id,
)
from ent_locker.application.receipts import ReceiptSigner, SignedReceipt
from ent_locker.domain.model import DepositRefused


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
    folder: str
    state: str
    trashed_at: datetime | None = None
    previous_version_id: str | None = None


class Selection(msgspec.Struct, frozen=True, kw_only=True):
    document_ids: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_SELECTION)]


class Authenticity(msgspec.Struct, frozen=True, kw_only=True):
    genuine: bool  # the signature is ours: nobody altered the receipt
    matches_stored: bool  # and the locker still holds that very document


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

    @get("/trash", summary="Corbeille: what I put in the trash, most recent first")
    async def trash_folder(
        self,
        request: Request[Identity, Any, Any],
        runtime: Runtime,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> FolderPage:
        query = Query(
            where={"owner_id": request.user.user_id, "state": TRASHED},
            order_by=[("trashed_at", "desc")],
            limit=limit,
            after=cursor,
        )
        return await _page(runtime, query)

    @post("/documents/trash", status_code=200, summary="Put a selection in the trash")
    async def trash(
        self, request: Request[Identity, Any, Any], data: Selection, casier: Casier
    ) -> SelectionResult:
        return await casier.trash(request.user.user_id, data.document_ids)

    @post("/documents/restore", status_code=200, summary="Restore a selection from the trash")
    async def restore(
        self, request: Request[Identity, Any, Any], data: Selection, casier: Casier
    ) -> SelectionResult:
        return await casier.restore(request.user.user_id, data.document_ids)

    @post("/documents/delete", status_code=200, summary="Delete a selection for good (trash)")
    async def delete_for_good(
        self, request: Request[Identity, Any, Any], data: Selection, casier: Casier
    ) -> SelectionResult:
        try:
            return await casier.purge(request.user.user_id, data.document_ids)
        except DepositRefused as refused:
            raise field_error(refused.field, refused.message) from None

    @post(
        "/documents/download",
        status_code=200,
        summary="Download a selection as one zip, streamed as it is built",
        media_type="application/zip",
    )
    async def download_selection(
        self, request: Request[Identity, Any, Any], data: Selection, runtime: Runtime
    ) -> Stream:
        docs = [
            await _readable_document(runtime, request.user, d)
            for d in dict.fromkeys(data.document_ids)
        ]
        return Stream(
            zipped(runtime.blobs, docs),
            media_type="application/zip",
            headers={"Content-Disposition": 'attachment; filename="casier.zip"'},
        )

    @post("/receipts/verify", status_code=200, summary="Is this deposit receipt genuine?")
    async def verify(
        self, data: SignedReceipt, signer: ReceiptSigner, runtime: Runtime
    ) -> Authenticity:
        if not signer.is_genuine(data):
            return Authenticity(genuine=False, matches_stored=False)
        stored = await runtime.storage.documents.get(DOCUMENTS, data.document_id)
        same_content = stored is not None and stored["sha256"] == data.sha256
        matches = same_content and stored is not None and stored["size"] == data.size
        return Authenticity(genuine=True, matches_stored=matches)

    @get("/documents/{document_id:str}/content", summary="Download a document (HTTP Range)")
    async def content(
        self, request: Request[Identity, Any, Any], runtime: Runtime, document_id: str
    ) -> Stream:
        doc = await _readable_document(runtime, request.user, document_id)
        headers = attachment_headers(doc["file_name"], doc["size"], doc["sha256"])
        headers["Accept-Ranges"] = "bytes"
        wanted = byte_range(request.headers.get("range"), doc["size"])
        if wanted is None:
            return Stream(
                runtime.blobs.get(doc["blob_key"]), media_type=doc["media_type"], headers=headers
            )
        start, end = wanted
        headers |= {
            "Content-Range": f"bytes {start}-{end}/{doc['size']}",
            "Content-Length": str(end - start + 1),
        }
        return Stream(
            runtime.blobs.get(doc["blob_key"], start, end - start + 1),
            media_type=doc["media_type"],
            headers=headers,
            status_code=206,
        )


def zipped(blobs: BlobStore, docs: list[dict[str, Any]]) -> AsyncIterator[bytes]:
    """Members streamed from the blob store one after the other; names made unique."""

    async def members() -> AsyncIterator[Any]:
        seen: dict[str, int] = {}
        for doc in docs:
            name = doc["file_name"]
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                stem, dot, ext = name.rpartition(".")
                name = f"{stem} ({seen[name]}).{ext}" if dot else f"{name} ({seen[name]})"
            deposited = datetime.fromisoformat(doc["deposited_at"])
            # Already-compressed formats (PDF, images) gain little: favour speed.
            method = ZIP_AUTO(doc["size"], level=1)
            yield name, deposited, 0o600, method, blobs.get(doc["blob_key"])

    return aiter(async_stream_zip(members()))


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """One `bytes=a-b` range (inclusive), or None for the whole file. Several ranges are
    answered whole, which RFC 9110 allows; an unsatisfiable range is a 416."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header.removeprefix("bytes=").strip().partition("-")
    try:
        if first:
            start, end = int(first), int(last) if last else size - 1
        else:  # the last N bytes
            start, end = max(0, size - int(last)), size - 1
    except ValueError:
        return None
    if start >= size or start > end:
        raise Problem(
            416,
            "range_not_satisfiable",
            "Plage d'octets invalide",
            headers={"Content-Range": f"bytes */{size}"},
        )
    return start, min(end, size - 1)


async def _folder(
    runtime: Runtime, me: Identity, folder: str, cursor: str | None, limit: int
) -> FolderPage:
    query = Query(
        where={"owner_id": me.user_id, "folder": folder, "state": ACTIVE},
        order_by=[("deposited_at", "desc")],
        limit=limit,
        after=cursor,
    )
    return await _page(runtime, query)


async def _page(runtime: Runtime, query: Query) -> FolderPage:
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
    # Not found, not yours, and purged from your trash all answer alike: ids cannot be probed.
    mine = doc is not None and await runtime.storage.documents.get(
        ENTRIES, entry_id(document_id, me.user_id, doc["sender_id"])
    )
    if doc is None or not mine:
        raise Problem(404, "document_not_found", "Document introuvable")
    return doc
