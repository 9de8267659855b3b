"""Messagerie HTTP API, the live unread badge as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ent_kit.controllers import AnyRequest
from litestar import Controller, get
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from ent_mail.application.badge import UnreadBadge


class BadgeController(Controller):
    path = "/mail"
    tags = ["mail"]

    @get(
        "/unread/stream",
        summary="Live unread count (Server-Sent Events)",
        description=(
            "`text/event-stream`: an `unread` event with the inbox's unread count at once, "
            "then each time it changes; a comment line as a heartbeat every 15 s."
        ),
    )
    async def unread_stream(self, request: AnyRequest, badge: UnreadBadge) -> ServerSentEvent:
        async def messages() -> AsyncIterator[ServerSentEventMessage]:
            async for count in badge.counts(request.user):
                if count is None:
                    yield ServerSentEventMessage(comment="heartbeat")
                else:
                    yield ServerSentEventMessage(data=count, event="unread")

        return ServerSentEvent(messages())
