"""What the Messagerie answers: msgspec Structs, shaped for the API."""

from __future__ import annotations

from datetime import datetime

import msgspec


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
