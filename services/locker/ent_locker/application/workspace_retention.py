"""Mes documents' trash retention: what has been in a trash longer than the retention goes
for good (reason "retention"), as the Casier's (`housekeeping.py`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ent_kit.storage import DocumentReader, Query, Range

from ent_locker.application.workspace import WorkspaceService
from ent_locker.application.workspace_projection import WORKSPACE_FOLDERS, WORKSPACE_ITEMS

PURGE_BATCH = 500  # expired rows of each kind looked at per run; the next run takes the rest


async def purge_expired_workspace_trash(
    reader: DocumentReader, workspace: WorkspaceService, retention: timedelta
) -> int:
    """Purge the documents and folders trashed before now - `retention`, one workspace
    at a time; returns how many were purged. One restored meanwhile stays."""
    cutoff = datetime.now(UTC) - retention
    query = Query(
        where={"trashed": True},
        ranges={"trashed_at": Range(lt=cutoff)},
        order_by=[("trashed_at", "asc")],
        limit=PURGE_BATCH,
    )
    expired: dict[str, tuple[list[str], list[str]]] = {}
    for collection, kind in ((WORKSPACE_ITEMS, 0), (WORKSPACE_FOLDERS, 1)):
        for row in (await reader.find(collection, query)).items:
            expired.setdefault(row["owner_id"], ([], []))[kind].append(row["id"])
    purged = 0
    for owner_id, (item_ids, folder_ids) in expired.items():
        result = await workspace.purge_expired(owner_id, item_ids, folder_ids)
        purged += len(result.done)
    return purged
