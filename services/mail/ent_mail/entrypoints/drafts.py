"""Messagerie HTTP API, the drafts (Brouillons): list, read, start, autosave whole (409 on a
stale version), discard, send."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest, PageSize
from litestar import Controller, delete, get, post, put

from ent_mail.application.drafts import DraftCommands
from ent_mail.application.forms import DraftForm, DraftSavedReceipt, MessageForm, SentReceipt
from ent_mail.application.queries import MailQueries
from ent_mail.application.views import DraftPage, DraftView
from ent_mail.entrypoints.writing import MAX_MESSAGE_FORM_BYTES


class DraftsController(Controller):
    path = "/mail"
    tags = ["mail"]

    @get("/drafts", summary="Brouillons: my drafts, most recently saved first")
    async def drafts(
        self,
        request: AnyRequest,
        mail_queries: MailQueries,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> DraftPage:
        return await mail_queries.drafts(request.user, cursor, limit)

    @get("/drafts/{draft_id:str}", summary="A draft of mine")
    async def draft(
        self, request: AnyRequest, mail_queries: MailQueries, draft_id: str
    ) -> DraftView:
        return await mail_queries.draft(request.user, draft_id)

    @post(
        "/drafts",
        status_code=201,
        summary="Start a draft",
        request_max_body_size=MAX_MESSAGE_FORM_BYTES,
    )
    async def create_draft(
        self, request: AnyRequest, data: MessageForm, drafts: DraftCommands
    ) -> DraftSavedReceipt:
        return await drafts.create(request.user, data)

    @put(
        "/drafts/{draft_id:str}",
        summary="Autosave a draft, whole",
        description="`version`: the one last read; a newer one saved meanwhile answers 409.",
        request_max_body_size=MAX_MESSAGE_FORM_BYTES,
    )
    async def save_draft(
        self, request: AnyRequest, draft_id: str, data: DraftForm, drafts: DraftCommands
    ) -> DraftSavedReceipt:
        return await drafts.save(request.user, draft_id, data)

    @delete("/drafts/{draft_id:str}", summary="Discard a draft")
    async def discard_draft(
        self, request: AnyRequest, draft_id: str, drafts: DraftCommands
    ) -> None:
        await drafts.discard(request.user, draft_id)

    @post("/drafts/{draft_id:str}/send", status_code=201, summary="Send a draft")
    async def send_draft(
        self, request: AnyRequest, draft_id: str, drafts: DraftCommands
    ) -> SentReceipt:
        return await drafts.send(request.user, draft_id)
