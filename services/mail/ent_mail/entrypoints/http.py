"""Messagerie HTTP API (first slice: the signed-in user's notifications)."""

from __future__ import annotations

from typing import Annotated, Any

from ent_kit.auth import Identity
from litestar import Controller, Request, get
from litestar.params import Parameter

from ent_mail.application.queries import NotificationPage, NotificationsQueries


class NotificationsController(Controller):
    path = "/mail"
    tags = ["mail"]

    @get("/notifications", summary="My notifications, newest first")
    async def notifications(
        self,
        request: Request[Identity, Any, Any],
        notifications: NotificationsQueries,
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> NotificationPage:
        return await notifications.page(request.user, cursor, limit)
