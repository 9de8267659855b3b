"""Messagerie HTTP API, the read side: folders and their listings, a message, a
conversation, drafts, the unread badge, the home page's latest messages, subject search.

Each handler makes one call to `MailQueries` (provided by `service.py` as `mail_queries`)
and answers its view. Everything is the caller's own: another user's ids answer 404 like
unknown ones. Reading never changes state: opening a message marks it read through a
command of its own."""

from __future__ import annotations

from typing import Annotated

from ent_contracts.mail import MessageKind
from ent_kit.controllers import AnyRequest, PageSize
from litestar import Controller, get
from litestar.params import Parameter

from ent_mail.application.opening import Opening
from ent_mail.application.queries import MailQueries
from ent_mail.application.views import (
    ConversationView,
    CopyPage,
    CopySummary,
    DraftPage,
    DraftView,
    FolderList,
    MessageView,
    UnreadCount,
)

LatestCount = Annotated[int, Parameter(ge=1, le=20, description="How many messages")]


class MailReadingController(Controller):
    path = "/mail"
    tags = ["mail"]

    @get("/folders", summary="My folders: the system ones, then mine, with totals and unread")
    async def folders(self, request: AnyRequest, mail_queries: MailQueries) -> FolderList:
        return await mail_queries.folders(request.user)

    @get(
        "/folders/{folder_id:str}/messages",
        summary="A folder's messages, newest first",
        description=(
            "`folder_id`: inbox, sent, trash, archive or one of my folders. Drafts are "
            "listed by `GET /mail/drafts`."
        ),
    )
    async def folder_messages(
        self,
        request: AnyRequest,
        mail_queries: MailQueries,
        folder_id: str,
        cursor: str | None = None,
        limit: PageSize = 50,
        unread_only: bool = False,
        kind: MessageKind | None = None,
        category: str | None = None,
    ) -> CopyPage:
        return await mail_queries.folder_page(
            request.user,
            folder_id,
            cursor,
            limit,
            unread_only=unread_only,
            kind=kind,
            category=category,
        )

    @get(
        "/messages/{message_id:str}",
        summary="A message of mine, with its neighbours in its folder",
        description=(
            "`folder`: the folder it was opened from, when I wrote to myself (two copies). "
            "Opening a message marks it read."
        ),
    )
    async def message(
        self,
        request: AnyRequest,
        opening: Opening,
        message_id: str,
        folder: str | None = None,
    ) -> MessageView:
        return await opening.open(request.user, message_id, folder)

    @get("/conversations/{conversation_id:str}", summary="A conversation's messages I hold")
    async def conversation(
        self, request: AnyRequest, mail_queries: MailQueries, conversation_id: str
    ) -> ConversationView:
        return await mail_queries.conversation(request.user, conversation_id)

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

    @get("/unread-count", summary="Unread messages in Reçus (the badge)")
    async def unread_count(self, request: AnyRequest, mail_queries: MailQueries) -> UnreadCount:
        return await mail_queries.unread(request.user)

    @get("/latest", summary="My latest received messages, for the home page")
    async def latest(
        self, request: AnyRequest, mail_queries: MailQueries, limit: LatestCount = 5
    ) -> list[CopySummary]:
        return await mail_queries.latest(request.user, limit)

    @get(
        "/search",
        summary="My messages whose subject contains `q` (case and accents ignored)",
        description=(
            "Every folder but the trash, newest first. A page may hold fewer than `limit` "
            "messages while `next_cursor` is set: the search goes on from there."
        ),
    )
    async def search(
        self,
        request: AnyRequest,
        mail_queries: MailQueries,
        q: str,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> CopyPage:
        return await mail_queries.search(request.user, q, cursor, limit)
