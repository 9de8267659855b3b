"""Wiring of the mail (Messagerie) service."""

from __future__ import annotations

from ent_contracts import topics
from ent_kit.runtime import Runtime, ServiceDefinition, Subscription

from ent_mail.application.projections import (
    NOTIFICATIONS,
    NotificationsProjection,
    PeopleProjection,
)
from ent_mail.entrypoints.http import NotificationsController


async def on_start(runtime: Runtime) -> None:
    await runtime.storage.documents.ensure_index(NOTIFICATIONS, ["user_id", "created_at"])


SERVICE = ServiceDefinition(
    name="mail",
    controllers=[NotificationsController],
    topics=[topics.MAIL],
    subscriptions=[
        Subscription(topics.LOCKER, NotificationsProjection()),
        Subscription(topics.DIRECTORY, PeopleProjection()),
    ],
    on_start=on_start,
)
