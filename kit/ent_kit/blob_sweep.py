"""Deleting blobs nothing refers to any more: a mechanism every service with
content-addressed blobs shares.

A projection that drops a blob's last reference records the blob as a *candidate*
(`blob_candidates`, id = blob key, `since` = when it became eligible) in the same
transaction. A periodic job looks at candidates older than a grace period, asks the
service whether anything refers to the blob again (`InUse`: the same content may have
been stored again meanwhile, or be being stored right now), deletes it if not, and
drops the candidate either way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ent_kit.blobs import BlobStore
from ent_kit.logging import get_logger
from ent_kit.storage import DocumentReader, DocumentStore, DocumentWriter, Query, Range

BLOB_CANDIDATES = "blob_candidates"
SWEEP_BATCH = 200  # candidates looked at per run; the next run takes the rest
log = get_logger("ent.blobs.sweep")

InUse = Callable[[DocumentReader, str], Awaitable[bool]]


async def mark_candidate(tx: DocumentWriter, blob_key: str, since: Any) -> None:
    """From a projection: `blob_key` may be unreferenced from `since` on."""
    await tx.put(BLOB_CANDIDATES, blob_key, {"since": since})


def referenced_by(*collections: str, field: str = "blob_key") -> InUse:
    """In use while a document of one of `collections` names the blob in `field`."""

    async def in_use(reader: DocumentReader, blob_key: str) -> bool:
        for collection in collections:
            if (await reader.find(collection, Query(where={field: blob_key}, limit=1))).items:
                return True
        return False

    return in_use


async def sweep_unreferenced_blobs(
    documents: DocumentStore, blobs: BlobStore, grace: timedelta, in_use: InUse
) -> int:
    """Delete the candidates' blobs eligible for longer than `grace` that nothing uses;
    returns how many were deleted."""
    cutoff = datetime.now(UTC) - grace
    query = Query(
        ranges={"since": Range(lt=cutoff)}, order_by=[("since", "asc")], limit=SWEEP_BATCH
    )
    deleted = 0
    for candidate in (await documents.find(BLOB_CANDIDATES, query)).items:
        key = candidate["id"]
        if not await in_use(documents, key):
            await blobs.delete(key)
            deleted += 1
            log.info("blob deleted", blob_key=key)
        async with documents.transaction() as tx:
            await tx.delete(BLOB_CANDIDATES, key)
    return deleted
