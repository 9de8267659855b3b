"""Wiring of the locker (Casier, Mes documents): commands and queries built from the runtime."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from ent_contracts import topics
from ent_kit.blob_sweep import BLOB_CANDIDATES, referenced_by, sweep_unreferenced_blobs
from ent_kit.peers import PeerClient
from ent_kit.reachability import DirectoryPolicy
from ent_kit.repository import Repository
from ent_kit.runtime import Periodic, Runtime, ServiceDefinition, Subscription, provide
from ent_kit.scopes import DIRECTORY_REACHABILITY
from litestar.di import Provide

from ent_locker.application.casier import Casier
from ent_locker.application.deposits import DepositService
from ent_locker.application.housekeeping import purge_expired_trash
from ent_locker.application.ports import RecipientPolicy
from ent_locker.application.projections import (
    ENTRIES,
    IN_TRASH_OF,
    TRASHED_AT,
    LockerProjection,
    PeopleProjection,
)
from ent_locker.application.queries import CasierQueries, WorkspaceQueries
from ent_locker.application.quota import Quota
from ent_locker.application.receipts import ReceiptChecks, ReceiptSigner
from ent_locker.application.send_history import DepositHistoryProjection
from ent_locker.application.send_limits import DepositLimits
from ent_locker.application.workspace import WorkspaceService
from ent_locker.application.workspace_projection import (
    WORKSPACE_FOLDERS,
    WORKSPACE_ITEMS,
    WorkspaceProjection,
)
from ent_locker.application.workspace_retention import purge_expired_workspace_trash
from ent_locker.domain.limits import DepositLog
from ent_locker.domain.model import Document
from ent_locker.domain.workspace import Workspace
from ent_locker.entrypoints.http import LockerController
from ent_locker.entrypoints.workspace import WorkspaceController
from ent_locker.settings import LockerSettings

LOCKER = LockerProjection()
WORKSPACE = WorkspaceProjection()
DEPOSIT_HISTORY = DepositHistoryProjection()
# Read models whose documents point at blobs: a blob still named in one of them stays.
BLOB_IN_USE = referenced_by(ENTRIES, WORKSPACE_ITEMS)


def settings_of(runtime: Runtime) -> LockerSettings:
    assert isinstance(runtime.settings, LockerSettings)
    return runtime.settings


def casier(runtime: Runtime) -> Casier:
    documents = Repository(runtime.storage.events, Document, runtime.signal)
    return Casier(documents, runtime.projectors[LOCKER.name])


def casier_queries(runtime: Runtime) -> CasierQueries:
    return CasierQueries(runtime.storage.documents, runtime.blobs)


def receipt_signer(runtime: Runtime) -> ReceiptSigner:
    """Signs deposit receipts and checks them back (`dependencies` builds one for both)."""
    return ReceiptSigner(settings_of(runtime).receipt_key)


def deposit_limits(runtime: Runtime) -> DepositLimits:
    return DepositLimits(
        runtime.storage.documents,
        Repository(runtime.storage.events, DepositLog, runtime.signal),
        settings_of(runtime).deposit_limits,
        runtime.projectors[DEPOSIT_HISTORY.name],
    )


def deposit_service(
    runtime: Runtime, policy: RecipientPolicy, signer: ReceiptSigner
) -> DepositService:
    settings = settings_of(runtime)
    return DepositService(
        Repository(runtime.storage.events, Document, runtime.signal),
        policy,
        runtime.blobs,
        runtime.projectors[LOCKER.name],
        signer,
        quota(runtime),
        settings.max_document_bytes,
        sender_limits=deposit_limits(runtime),
    )


def quota(runtime: Runtime) -> Quota:
    settings = settings_of(runtime)
    return Quota(runtime.storage.documents, settings.quota_bytes, settings.quota_reservation_ttl_s)


def workspace_queries(runtime: Runtime) -> WorkspaceQueries:
    return WorkspaceQueries(runtime.storage.documents, runtime.blobs)


def workspace_service(runtime: Runtime) -> WorkspaceService:
    return WorkspaceService(
        Repository(runtime.storage.events, Workspace, runtime.signal),
        runtime.projectors[WORKSPACE.name],
        runtime.blobs,
        workspace_queries(runtime),
        casier_queries(runtime),
        quota(runtime),
        settings_of(runtime).max_document_bytes,
    )


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    """What the controllers take, by parameter name. Built per request: the store and the
    blobs are opened only once the service has started."""
    settings = settings_of(runtime)
    directory = PeerClient(
        settings.directory_url, settings, callee="directory", scope=DIRECTORY_REACHABILITY
    )
    runtime.close_on_stop(directory.close)
    policy = DirectoryPolicy(directory, field="recipients")
    signer = receipt_signer(runtime)
    return {
        "deposits": provide(lambda: deposit_service(runtime, policy, signer)),
        "casier": provide(lambda: casier(runtime)),
        "casier_queries": provide(lambda: casier_queries(runtime)),
        "receipts": provide(lambda: ReceiptChecks(signer, runtime.storage.documents)),
        "workspace": provide(lambda: workspace_service(runtime)),
        "workspace_queries": provide(lambda: workspace_queries(runtime)),
        "quota": provide(lambda: quota(runtime)),
    }


async def on_start(runtime: Runtime) -> None:
    documents = runtime.storage.documents
    await documents.ensure_index(ENTRIES, ["owner_id", "folder", "state", "deposited_at"])
    # The Corbeille's and the retention's: the trashed entries only. They replace two
    # indexes of every entry (a store built before needs `rebuild` for `in_trash_of`).
    await documents.ensure_index(ENTRIES, [IN_TRASH_OF, TRASHED_AT], sparse=True)
    await documents.ensure_index(ENTRIES, [TRASHED_AT], sparse=True)
    await documents.drop_index(ENTRIES, ["owner_id", "state", "trashed_at"])
    await documents.drop_index(ENTRIES, ["state", "trashed_at"])
    await documents.ensure_index(ENTRIES, ["blob_key"])
    await documents.ensure_index(BLOB_CANDIDATES, ["since"])
    listed = ["trashed", "name_key"]  # Mes documents: a folder's content, by name
    await documents.ensure_index(WORKSPACE_FOLDERS, ["owner_id", "parent_id", *listed])
    await documents.ensure_index(WORKSPACE_FOLDERS, ["owner_id", *listed])
    await documents.ensure_index(WORKSPACE_ITEMS, ["owner_id", "folder_id", *listed])
    await documents.ensure_index(WORKSPACE_ITEMS, ["blob_key"])
    # Mes documents' trash: a user's listing, and the retention's expired rows.
    for collection in (WORKSPACE_FOLDERS, WORKSPACE_ITEMS):
        await documents.ensure_index(collection, ["owner_id", "trashed", "with_folder_id"])
        await documents.ensure_index(collection, ["trashed", "trashed_at"])


async def housekeeping(runtime: Runtime) -> dict[str, int]:
    settings = settings_of(runtime)
    retention = timedelta(days=settings.trash_retention_days)
    purged = await purge_expired_trash(runtime.storage.documents, casier(runtime), retention)
    # Mes documents' trash keeps to the same retention; its purged blobs are swept below.
    purged_documents = await purge_expired_workspace_trash(
        runtime.storage.documents, workspace_service(runtime), retention
    )
    grace = timedelta(seconds=settings.blob_grace_s)
    deleted = await sweep_unreferenced_blobs(
        runtime.storage.documents, runtime.blobs, grace, BLOB_IN_USE
    )
    return {"purged": purged, "workspace_purged": purged_documents, "blobs_deleted": deleted}


SERVICE = ServiceDefinition(
    name="locker",
    settings_type=LockerSettings,
    controllers=[LockerController, WorkspaceController],
    dependencies=dependencies,
    topics=[topics.LOCKER],
    local_projections=[LOCKER, WORKSPACE, DEPOSIT_HISTORY],
    subscriptions=[Subscription(topics.DIRECTORY, PeopleProjection())],
    on_start=on_start,
    periodic=[
        Periodic("housekeeping", housekeeping, lambda r: settings_of(r).housekeeping_interval_s)
    ],
)
