"""Messagerie HTTP API (first slice: the signed-in user's notifications)."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest, PageSize
from litestar import Controller, get

from ent_mail.application.queries import NotificationsQueries
from ent_mail.application.views import NotificationPage


class NotificationsController(Controller):
    path = "/mail"
    tags = ["mail"]

    @get("/notifications", summary="My notifications, newest first")
    async def notifications(
        self,
        request: AnyRequest,
        notifications: NotificationsQueries,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> NotificationPage:
        return await notifications.page(request.user, cursor, limit)
