"""Messagerie HTTP API (first slice: the signed-in user's notifications)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from ent_kit.auth import Identity
from ent_kit.http import find_page
from ent_kit.runtime import Runtime
from ent_kit.storage import Query
from litestar import Controller, Request, get
from litestar.params import Parameter

from ent_mail.application.projections import NOTIFICATIONS


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    text: str
    document_id: str | None = None
    created_at: datetime
    read: bool


class NotificationPage(msgspec.Struct, frozen=True):
    items: list[Notification]
    next_cursor: str | None


class NotificationsController(Controller):
    path = "/mail"
    tags = ["mail"]

    @get("/notifications", summary="My notifications, newest first")
    async def notifications(
        self,
        request: Request[Identity, Any, Any],
        runtime: Runtime,
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> NotificationPage:
        query = Query(
            where={"user_id": request.user.user_id},
            order_by=[("created_at", "desc")],
            limit=limit,
            after=cursor,
        )
        page = await find_page(runtime.storage.documents, NOTIFICATIONS, query)
        return NotificationPage(msgspec.convert(page.items, list[Notification]), page.next_cursor)
