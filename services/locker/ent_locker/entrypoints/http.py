"""Casier HTTP API: deposit, folders (Mon casier, Historique, Corbeille), downloads.

Each handler turns HTTP into typed input, makes one call to a command or a query object
(provided by `service.py`), and turns the answer back into HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
from ent_kit.auth import Identity
from ent_kit.downloads import attachment_headers
from ent_kit.problems import Problem
from ent_kit.uploads import MultipartReader, fields_then_file
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Stream

from ent_locker import texts
from ent_locker.application.casier import MAX_SELECTION, Casier, SelectionResult
from ent_locker.application.deposits import DepositForm, DepositReceipt, DepositService
from ent_locker.application.queries import CasierQueries
from ent_locker.application.receipts import ReceiptChecks, SignedReceipt
from ent_locker.application.views import Authenticity, Download, FolderPage

AnyRequest = Request[Identity, Any, Any]
PageSize = Annotated[int, Parameter(ge=1, le=200, description="Entries per page")]


class Selection(msgspec.Struct, frozen=True, kw_only=True):
    document_ids: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_SELECTION)]


class LockerController(Controller):
    path = "/locker"
    tags = ["locker"]

    @post(
        "/deposits",
        status_code=201,
        summary="Deposit a document into lockers",
        description=(
            "multipart/form-data: `recipients` (repeated, or comma-separated user ids, or "
            "`group:<group id>:<role>`), optional `previous_version_id`, then `file` last. "
            "Streamed, never buffered whole."
        ),
    )
    async def deposit(self, request: AnyRequest, deposits: DepositService) -> DepositReceipt:
        form = await deposit_form(request.headers.get("content-type", ""), request.stream())
        return await deposits.deposit(request.user, form)

    @get("/received", summary="Mon casier: documents deposited into my locker, newest first")
    async def received(
        self,
        request: AnyRequest,
        casier_queries: CasierQueries,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> FolderPage:
        return await casier_queries.received(request.user, cursor, limit)

    @get("/history", summary="Historique: documents I deposited, with recipients and time")
    async def history(
        self,
        request: AnyRequest,
        casier_queries: CasierQueries,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> FolderPage:
        return await casier_queries.history(request.user, cursor, limit)

    @get("/trash", summary="Corbeille: what I put in the trash, most recent first")
    async def trash_folder(
        self,
        request: AnyRequest,
        casier_queries: CasierQueries,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> FolderPage:
        return await casier_queries.trash(request.user, cursor, limit)

    @post("/documents/trash", status_code=200, summary="Put a selection in the trash")
    async def trash(self, request: AnyRequest, data: Selection, casier: Casier) -> SelectionResult:
        return await casier.trash(request.user.user_id, data.document_ids)

    @post("/documents/restore", status_code=200, summary="Restore a selection from the trash")
    async def restore(
        self, request: AnyRequest, data: Selection, casier: Casier
    ) -> SelectionResult:
        return await casier.restore(request.user.user_id, data.document_ids)

    @post("/documents/delete", status_code=200, summary="Delete a selection for good (trash)")
    async def delete_for_good(
        self, request: AnyRequest, data: Selection, casier: Casier
    ) -> SelectionResult:
        return await casier.purge(request.user.user_id, data.document_ids)

    @post(
        "/documents/download",
        status_code=200,
        summary="Download a selection as one zip, streamed as it is built",
        media_type="application/zip",
    )
    async def download_selection(
        self, request: AnyRequest, data: Selection, casier_queries: CasierQueries
    ) -> Stream:
        return Stream(
            await casier_queries.zipped(request.user, data.document_ids),
            media_type="application/zip",
            headers={"Content-Disposition": 'attachment; filename="casier.zip"'},
        )

    @post("/receipts/verify", status_code=200, summary="Is this deposit receipt genuine?")
    async def verify(self, data: SignedReceipt, receipts: ReceiptChecks) -> Authenticity:
        return await receipts.verify(data)

    @get("/documents/{document_id:str}/content", summary="Download a document (HTTP Range)")
    async def content(
        self, request: AnyRequest, casier_queries: CasierQueries, document_id: str
    ) -> Stream:
        download = await casier_queries.download(request.user, document_id)
        return ranged_stream(download, request.headers.get("range"))


async def deposit_form(content_type: str, body: AsyncIterator[bytes]) -> DepositForm:
    """The multipart form, typed: its fields read, its file left to stream. Recipients come
    repeated, or comma-separated in one value."""
    fields, file = await fields_then_file(MultipartReader(content_type, body))
    previous = fields.get("previous_version_id")
    return DepositForm(
        recipients=[r for value in fields.get("recipients", []) for r in value.split(",")],
        previous_version_id=previous[0] if previous else None,
        file=file,
    )


def ranged_stream(download: Download, range_header: str | None) -> Stream:
    """The whole file (200), or the one byte range asked for (206)."""
    headers = attachment_headers(download.file_name, download.size, download.sha256)
    headers["Accept-Ranges"] = "bytes"
    wanted = byte_range(range_header, download.size)
    if wanted is None:
        return Stream(download.chunks(), media_type=download.media_type, headers=headers)
    start, end = wanted
    headers |= {
        "Content-Range": f"bytes {start}-{end}/{download.size}",
        "Content-Length": str(end - start + 1),
    }
    return Stream(
        download.chunks(start, end - start + 1),
        media_type=download.media_type,
        headers=headers,
        status_code=206,
    )


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
            texts.RANGE_NOT_SATISFIABLE,
            headers={"Content-Range": f"bytes */{size}"},
        )
    return start, min(end, size - 1)
