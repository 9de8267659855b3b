"""The locker's housekeeping: trash retention, and deletion of blobs nothing refers to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ent_kit.blobs import BlobStore
from ent_kit.logging import get_logger
from ent_kit.storage import DocumentReader, DocumentStore, Query, Range

from ent_locker.application.casier import Casier
from ent_locker.application.projections import BLOB_CANDIDATES, ENTRIES, TRASHED

PURGE_BATCH = 500  # expired entries purged per run; the next run takes the rest
SWEEP_BATCH = 200  # blob candidates looked at per run
log = get_logger("ent.locker.housekeeping")


async def purge_expired_trash(reader: DocumentReader, casier: Casier, retention: timedelta) -> int:
    """Purge (reason "retention") what has been in a trash longer than `retention`. One
    restored or purged meanwhile is skipped: the run goes on with the others."""
    cutoff = datetime.now(UTC) - retention
    query = Query(
        where={"state": TRASHED},
        ranges={"trashed_at": Range(lt=cutoff)},
        order_by=[("trashed_at", "asc")],
        limit=PURGE_BATCH,
    )
    purged = 0
    for entry in (await reader.find(ENTRIES, query)).items:
        result = await casier.purge_expired(entry["owner_id"], [entry["document_id"]])
        purged += len(result.done)
    return purged


async def sweep_unreferenced_blobs(
    documents: DocumentStore, blobs: BlobStore, grace: timedelta, referrers: tuple[str, ...]
) -> int:
    """Delete blobs whose last reference went away more than `grace` ago and that nothing
    refers to again: a deposit of the same content may be storing it right now."""
    cutoff = datetime.now(UTC) - grace
    query = Query(
        ranges={"since": Range(lt=cutoff)}, order_by=[("since", "asc")], limit=SWEEP_BATCH
    )
    deleted = 0
    for candidate in (await documents.find(BLOB_CANDIDATES, query)).items:
        key = candidate["id"]
        in_use = [
            (await documents.find(collection, Query(where={"blob_key": key}, limit=1))).items
            for collection in referrers
        ]
        if not any(in_use):
            await blobs.delete(key)
            deleted += 1
            log.info("blob deleted", blob_key=key)
        async with documents.transaction() as tx:
            await tx.delete(BLOB_CANDIDATES, key)
    return deleted
