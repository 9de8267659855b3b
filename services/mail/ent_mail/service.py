"""Wiring of the mail (Messagerie) service."""

from __future__ import annotations

from collections.abc import Mapping

from ent_contracts import topics
from ent_kit.runtime import Runtime, ServiceDefinition, Subscription, provide
from litestar.di import Provide

from ent_mail.application.projections import (
    NOTIFICATIONS,
    NotificationsProjection,
    PeopleProjection,
)
from ent_mail.application.queries import NotificationsQueries
from ent_mail.entrypoints.http import NotificationsController


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    return {"notifications": provide(lambda: NotificationsQueries(runtime.storage.documents))}


async def on_start(runtime: Runtime) -> None:
    await runtime.storage.documents.ensure_index(NOTIFICATIONS, ["user_id", "created_at"])


SERVICE = ServiceDefinition(
    name="mail",
    controllers=[NotificationsController],
    dependencies=dependencies,
    topics=[topics.MAIL],
    subscriptions=[
        Subscription(topics.LOCKER, NotificationsProjection()),
        Subscription(topics.DIRECTORY, PeopleProjection()),
    ],
    on_start=on_start,
)
