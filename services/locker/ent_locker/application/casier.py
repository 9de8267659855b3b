"""Actions on a selection of Casier documents: trash, restore, definitive delete; and the
housekeeping that follows (trash retention, deletion of blobs nothing refers to)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal

import msgspec
from ent_contracts import SYSTEM, Actor
from ent_kit.blobs import BlobStore
from ent_kit.logging import get_logger
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import ConcurrencyConflict, Query, Range, Storage

from ent_locker.application.projections import BLOB_CANDIDATES, ENTRIES, TRASHED
from ent_locker.domain.model import Document, DocumentNotFound

MAX_SELECTION = 200
log = get_logger("ent.locker.casier")


class SelectionResult(msgspec.Struct, frozen=True, kw_only=True):
    done: list[str]  # documents the action changed
    unchanged: list[str]  # already in the asked state
    not_found: list[str]  # unknown, or not in the caller's lockers (indistinguishable)


class Casier:
    def __init__(self, documents: Repository[Document], projector: LocalProjector) -> None:
        self._documents = documents
        self._projector = projector

    async def trash(self, owner_id: str, ids: list[str]) -> SelectionResult:
        at = datetime.now(UTC)
        return await self._each(owner_id, ids, lambda d: d.trash(owner_id, at))

    async def restore(self, owner_id: str, ids: list[str]) -> SelectionResult:
        return await self._each(owner_id, ids, lambda d: d.restore(owner_id))

    async def purge(
        self, owner_id: str, ids: list[str], reason: Literal["deleted", "retention"] = "deleted"
    ) -> SelectionResult:
        def decide(document: Document) -> bool:
            document.purge(owner_id, reason)
            return True

        actor = SYSTEM if reason == "retention" else Actor(kind="user", id=owner_id)
        return await self._each(owner_id, ids, decide, actor)

    async def _each(
        self,
        owner_id: str,
        ids: list[str],
        decide: Callable[[Document], bool],
        actor: Actor | None = None,
    ) -> SelectionResult:
        actor = actor or Actor(kind="user", id=owner_id)
        done: list[str] = []
        unchanged: list[str] = []
        not_found: list[str] = []
        last = 0
        for document_id in dict.fromkeys(ids):
            try:
                changed, position = await self._decide_and_save(document_id, decide, actor)
            except DocumentNotFound:
                not_found.append(document_id)
                continue
            (done if changed else unchanged).append(document_id)
            last = max(last, position)
        if last:
            await self._projector.caught_up(last)  # the folders show it when we answer
        return SelectionResult(done=done, unchanged=unchanged, not_found=not_found)

    async def _decide_and_save(
        self, document_id: str, decide: Callable[[Document], bool], actor: Actor
    ) -> tuple[bool, int]:
        for _ in range(5):
            document = await self._documents.get(document_id)
            if document is None:
                raise DocumentNotFound(document_id)
            changed = decide(document)
            try:
                return changed, await self._documents.save(document, actor)
            except ConcurrencyConflict:
                continue  # another owner acted on the same document: decide again
        raise ConcurrencyConflict(document_id, -1, -1)


async def purge_expired_trash(storage: Storage, casier: Casier, retention: timedelta) -> int:
    """Purge (reason "retention") what has been in a trash longer than `retention`."""
    cutoff = datetime.now(UTC) - retention
    query = Query(
        where={"state": TRASHED},
        ranges={"trashed_at": Range(lt=cutoff)},
        order_by=[("trashed_at", "asc")],
        limit=500,
    )
    page = await storage.documents.find(ENTRIES, query)
    purged = 0
    for entry in page.items:
        result = await casier.purge(entry["owner_id"], [entry["document_id"]], "retention")
        purged += len(result.done)
    return purged


async def sweep_unreferenced_blobs(
    storage: Storage, blobs: BlobStore, grace: timedelta, referrers: tuple[str, ...]
) -> int:
    """Delete blobs whose last reference went away more than `grace` ago and that nothing
    refers to again: a deposit of the same content may be storing it right now."""
    cutoff = datetime.now(UTC) - grace
    query = Query(ranges={"since": Range(lt=cutoff)}, order_by=[("since", "asc")], limit=200)
    deleted = 0
    for candidate in (await storage.documents.find(BLOB_CANDIDATES, query)).items:
        key = candidate["id"]
        in_use = [
            (
                await storage.documents.find(collection, Query(where={"blob_key": key}, limit=1))
            ).items
            for collection in referrers
        ]
        if not any(in_use):
            await blobs.delete(key)
            deleted += 1
            log.info("blob deleted", blob_key=key)
        async with storage.documents.transaction() as tx:
            await tx.delete(BLOB_CANDIDATES, key)
    return deleted
