"""The locker's housekeeping: trash retention (blobs nothing refers to are swept by the kit,
`ent_kit.blob_sweep`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ent_kit.storage import DocumentReader, Query, Range

from ent_locker.application.casier import Casier
from ent_locker.application.projections import ENTRIES, TRASHED

PURGE_BATCH = 500  # expired entries purged per run; the next run takes the rest


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
