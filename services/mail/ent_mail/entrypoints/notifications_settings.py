"""Messagerie HTTP API: where the signed-in user is told of new messages by e-mail. Always
the caller's own setting: nobody reads or sets another's."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest
from litestar import Controller, get, put

from ent_mail.application.notifying import NotificationAddress, NotificationSettingsService


class NotificationSettingsController(Controller):
    path = "/mail"
    tags = ["mail"]

    @get("/settings/notifications", summary="My notification e-mail address")
    async def notification_address(
        self, request: AnyRequest, notification_settings: NotificationSettingsService
    ) -> NotificationAddress:
        return await notification_settings.get(request.user)

    @put(
        "/settings/notifications",
        summary="Set or remove my notification e-mail address",
        description=(
            "`address`: where to be told by e-mail that a message arrived (who wrote and the "
            "subject, never the content); `null` or blank: no more e-mails. A malformed "
            "address answers 400 (`invalid_address`)."
        ),
    )
    async def set_notification_address(
        self,
        request: AnyRequest,
        data: NotificationAddress,
        notification_settings: NotificationSettingsService,
    ) -> NotificationAddress:
        return await notification_settings.set(request.user, data.address)
