"""The sender's API: create a transfer (then upload its files with tus), list, see, delete."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest, PageSize
from litestar import Controller, delete, get, post

from ent_transfer.application.sharing import Shared, ShareRequest, Sharing
from ent_transfer.application.transfers import Transfers
from ent_transfer.application.views import TransferPage, TransferRequest, TransferView
from ent_transfer.entrypoints.problems import HANDLERS


class TransferController(Controller):
    path = "/transfer/transfers"
    tags = ["transfer"]
    exception_handlers = HANDLERS

    @post(
        "/",
        status_code=201,
        summary="Declare a transfer: its files (relative paths), message, password, limit, expiry",
        description=(
            "Then upload each file with tus at `POST …/transfers/{transfer_id}/files` "
            "(`Upload-Metadata`: `relativePath` or `filename` as declared). The transfer "
            "is visible by its link once every file is complete; `share_url` then gives it."
        ),
    )
    async def create(
        self, request: AnyRequest, data: TransferRequest, transfers: Transfers
    ) -> TransferView:
        return await transfers.create(request.user, data)

    @get("/", summary="My transfers still alive, newest first (size, expiry, downloads)")
    async def mine(
        self,
        request: AnyRequest,
        transfers: Transfers,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> TransferPage:
        return await transfers.mine(request.user, cursor, limit)

    @get("/{transfer_id:str}", summary="One of my transfers, with its share link once complete")
    async def one(
        self, request: AnyRequest, transfers: Transfers, transfer_id: str
    ) -> TransferView:
        return await transfers.get(request.user, transfer_id)

    @post(
        "/{transfer_id:str}/share",
        status_code=201,
        summary="Partager: the share link in a Messagerie message (as me) and/or by e-mail",
        description="`to`: user ids or audiences (`group:<id>:<role>`); the directory decides "
        "as for any send (422 `recipients_refused` naming them). `emails`: up to 20 addresses "
        "outside the ENT, sent from its no-reply address on my behalf, within a daily allowance "
        "(400 naming `emails[i]`, 429). Either refusal comes before anything is sent. The "
        "password is never sent.",
    )
    async def share(
        self, request: AnyRequest, data: ShareRequest, sharing: Sharing, transfer_id: str
    ) -> Shared:
        authorization = request.headers.get("authorization", "")
        return await sharing.share(request.user, authorization, transfer_id, data)

    @delete(
        "/{transfer_id:str}",
        status_code=204,
        summary="Delete my transfer now: the link answers 410, the files are deleted",
    )
    async def remove(self, request: AnyRequest, transfers: Transfers, transfer_id: str) -> None:
        await transfers.delete(request.user, transfer_id)
