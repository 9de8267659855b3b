"""The read side of the Messagerie: a user's notifications, read from the read model kept
by `projections.py`; nothing here changes state."""

from __future__ import annotations

import msgspec
from ent_kit.auth import Identity
from ent_kit.storage import DocumentReader, Query

from ent_mail.application.projections import NOTIFICATIONS
from ent_mail.application.views import Notification, NotificationPage


class NotificationsQueries:
    def __init__(self, reader: DocumentReader) -> None:
        self._reader = reader

    async def page(self, me: Identity, cursor: str | None, limit: int) -> NotificationPage:
        """My notifications, newest first (a malformed cursor: `InvalidCursor`)."""
        query = Query(
            where={"user_id": me.user_id},
            order_by=[("created_at", "desc")],
            limit=limit,
            after=cursor,
        )
        page = await self._reader.find(NOTIFICATIONS, query)
        return NotificationPage(msgspec.convert(page.items, list[Notification]), page.next_cursor)
