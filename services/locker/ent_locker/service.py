"""Wiring of the locker (Casier) service."""

from __future__ import annotations

from collections.abc import Mapping

from ent_contracts import topics
from ent_kit.aggregate import Repository
from ent_kit.peers import PeerClient
from ent_kit.runtime import Runtime, ServiceDefinition, Subscription
from litestar.di import Provide

from ent_locker.adapters.directory import DirectoryPolicy
from ent_locker.application.deposits import DepositService
from ent_locker.application.projections import ENTRIES, LockerProjection, PeopleProjection
from ent_locker.domain.model import Document
from ent_locker.entrypoints.http import LockerController
from ent_locker.settings import LockerSettings

LOCKER = LockerProjection()


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    settings = runtime.settings
    assert isinstance(settings, LockerSettings)
    directory = PeerClient(settings.directory_url, settings)
    runtime.close_on_stop(directory.close)
    policy = DirectoryPolicy(directory)

    def deposit_service() -> DepositService:
        return DepositService(
            Repository(runtime.storage.events, Document, runtime.signal),
            policy,
            runtime.blobs,
            runtime.projectors[LOCKER.name],
            settings.max_document_bytes,
        )

    return {"deposits": Provide(deposit_service, sync_to_thread=False)}


async def on_start(runtime: Runtime) -> None:
    await runtime.storage.documents.ensure_index(ENTRIES, ["owner_id", "folder", "deposited_at"])


SERVICE = ServiceDefinition(
    name="locker",
    settings_type=LockerSettings,
    controllers=[LockerController],
    dependencies=dependencies,
    topics=[topics.LOCKER],
    local_projections=[LOCKER],
    subscriptions=[Subscription(topics.DIRECTORY, PeopleProjection())],
    on_start=on_start,
)
