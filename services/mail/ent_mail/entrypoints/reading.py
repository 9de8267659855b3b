"""Messagerie HTTP API, reading messages: a message (opening marks it read), a
conversation, the unread count, the home page's latest messages, subject search.

Each handler makes one call and answers its view. Everything is the caller's own: another
user's ids answer 404 like unknown ones."""

from __future__ import annotations

from typing import Annotated

from ent_kit.controllers import AnyRequest, PageSize
from litestar import Controller, get
from litestar.params import Parameter

from ent_mail.application.opening import Opening
from ent_mail.application.queries import MailQueries
from ent_mail.application.views import (
    ConversationView,
    CopyPage,
    CopySummary,
    MailHome,
    MessageView,
    UnreadCount,
)

LatestCount = Annotated[int, Parameter(ge=1, le=20, description="How many messages")]


class MailReadingController(Controller):
    path = "/mail"
    tags = ["mail"]

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

    @get("/unread-count", summary="Unread messages in Reçus (the badge)")
    async def unread_count(self, request: AnyRequest, mail_queries: MailQueries) -> UnreadCount:
        return await mail_queries.unread(request.user)

    @get("/home", summary="My latest received messages and the unread count (the home page's)")
    async def home(
        self, request: AnyRequest, mail_queries: MailQueries, limit: LatestCount = 5
    ) -> MailHome:
        return await mail_queries.home(request.user, limit)

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
