"""Wiring of the directory service."""

from __future__ import annotations

from collections.abc import Mapping

from ent_contracts import topics
from ent_kit.aggregate import Repository
from ent_kit.runtime import Runtime, ServiceDefinition
from litestar.di import Provide

from ent_directory.application.projections import USERS, UsersProjection
from ent_directory.application.users import UserService
from ent_directory.domain.model import User
from ent_directory.entrypoints.http import UsersController
from ent_directory.settings import DirectorySettings


def user_service(runtime: Runtime) -> UserService:
    return UserService(Repository(runtime.storage.events, User, runtime.signal))


async def on_start(runtime: Runtime) -> None:
    await runtime.storage.documents.ensure_index(USERS, ["login"])
    settings = runtime.settings
    if isinstance(settings, DirectorySettings) and settings.demo_seed:
        await user_service(runtime).seed_demo_school()


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    return {"users": Provide(lambda: user_service(runtime), sync_to_thread=False)}


SERVICE = ServiceDefinition(
    name="directory",
    settings_type=DirectorySettings,
    controllers=[UsersController],
    dependencies=dependencies,
    topics=[topics.DIRECTORY],
    local_projections=[UsersProjection()],
    on_start=on_start,
)
