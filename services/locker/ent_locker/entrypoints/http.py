"""Casier HTTP API: deposit, folders (Mon casier, Historique, Corbeille), downloads.

Each handler turns HTTP into typed input, makes one call to a command or a query object
(provided by `service.py`), and turns the answer back into HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated

import msgspec
from ent_kit.controllers import AnyRequest, PageSize
from ent_kit.downloads import UNTRUSTED_FILE_HEADERS, file_stream
from ent_kit.uploads import MultipartReader, fields_then_file
from litestar import Controller, get, post
from litestar.response import Stream

from ent_locker.application.casier import MAX_SELECTION, Casier, SelectionResult
from ent_locker.application.deposits import DepositForm, DepositReceipt, DepositService
from ent_locker.application.queries import CasierQueries
from ent_locker.application.quota import Quota, Usage
from ent_locker.application.receipts import ReceiptChecks, SignedReceipt
from ent_locker.application.views import Authenticity, FolderPage


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
        request_max_body_size=None,  # streamed: the deposit enforces its own size limit
    )
    async def deposit(self, request: AnyRequest, deposits: DepositService) -> DepositReceipt:
        form = await deposit_form(request.headers.get("content-type", ""), request.stream())
        form = replace(form, size_hint=declared_length(request))
        return await deposits.deposit(request.user, form)

    @get(
        "/usage",
        summary="My space: what I occupy (deposits kept anywhere, Mes documents), my quota",
        description=(
            "`reserved_bytes` is held by my uploads under way; a deposit counts while any "
            "copy of it is kept, mine or a recipient's."
        ),
    )
    async def usage(self, request: AnyRequest, quota: Quota) -> Usage:
        return await quota.usage(request.user.user_id)

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
        return await casier.trash(request.user, data.document_ids)

    @post("/documents/restore", status_code=200, summary="Restore a selection from the trash")
    async def restore(
        self, request: AnyRequest, data: Selection, casier: Casier
    ) -> SelectionResult:
        return await casier.restore(request.user, data.document_ids)

    @post(
        "/documents/delete",
        status_code=200,
        summary="Delete a selection for good (trash)",
        description="Only from the trash: a document that is not there is listed in `refused`.",
    )
    async def delete_for_good(
        self, request: AnyRequest, data: Selection, casier: Casier
    ) -> SelectionResult:
        return await casier.purge(request.user, data.document_ids)

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
            headers={
                "Content-Disposition": 'attachment; filename="casier.zip"',
                **UNTRUSTED_FILE_HEADERS,
            },
        )

    @post("/receipts/verify", status_code=200, summary="Is this deposit receipt genuine?")
    async def verify(self, data: SignedReceipt, receipts: ReceiptChecks) -> Authenticity:
        return await receipts.verify(data)

    @get("/documents/{document_id:str}/content", summary="Download a document (HTTP Range)")
    async def content(
        self, request: AnyRequest, casier_queries: CasierQueries, document_id: str
    ) -> Stream:
        download = await casier_queries.download(request.user, document_id)
        return file_stream(download, request.headers.get("range"))


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


def declared_length(request: AnyRequest) -> int | None:
    """The body's Content-Length, an upper bound of the file's size (None: not declared,
    or not a number; the server holds the body to it)."""
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None
