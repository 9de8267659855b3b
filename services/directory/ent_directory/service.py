"""Wiring of the directory service."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from ent_contracts import topics
from ent_kit.runtime import Runtime, ServiceDefinition
from litestar.di import Provide

from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.credentials import Credentials
from ent_directory.application.demo import seed_demo_school
from ent_directory.application.projections import (
    FAVOURITES,
    GROUPS,
    RULES,
    USERS,
    DirectoryProjection,
)
from ent_directory.application.reachability import ReachabilityService
from ent_directory.domain.demo_school import DEMO_PASSWORD, demo_users
from ent_directory.entrypoints.accounts import AccountsController
from ent_directory.entrypoints.favourites import FavouritesController
from ent_directory.entrypoints.http import DirectoryController
from ent_directory.settings import DirectorySettings

PROJECTION = DirectoryProjection()


def commands(runtime: Runtime) -> DirectoryCommands:
    return DirectoryCommands(runtime.storage.events, runtime.signal)


async def on_start(runtime: Runtime) -> None:
    documents = runtime.storage.documents
    await documents.ensure_index(USERS, ["login"])
    await documents.ensure_index(USERS, ["school_id", "first_key"])
    await documents.ensure_index(USERS, ["school_id", "last_key"])
    await documents.ensure_index(USERS, ["school_id", "active", "profile"])
    await documents.ensure_index(RULES, ["school_id"])
    await documents.ensure_index(GROUPS, ["school_id"])
    await documents.ensure_index(FAVOURITES, ["owner_id", "name_key"])
    settings = runtime.settings
    if isinstance(settings, DirectorySettings) and settings.demo_seed:
        await seed_demo_school(commands(runtime), datetime.now(UTC).date())
        await Credentials(documents).set_password([u.user_id for u in demo_users()], DEMO_PASSWORD)
        await runtime.projectors[PROJECTION.name].caught_up(
            await runtime.storage.events.last_position(), timeout=60
        )


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    return {
        "commands": Provide(lambda: commands(runtime), sync_to_thread=False),
        "credentials": Provide(
            lambda: Credentials(runtime.storage.documents), sync_to_thread=False
        ),
        "reachability": Provide(
            lambda: ReachabilityService(runtime.storage.documents), sync_to_thread=False
        ),
    }


SERVICE = ServiceDefinition(
    name="directory",
    settings_type=DirectorySettings,
    controllers=[DirectoryController, FavouritesController, AccountsController],
    dependencies=dependencies,
    topics=[topics.DIRECTORY],
    local_projections=[PROJECTION],
    on_start=on_start,
)
