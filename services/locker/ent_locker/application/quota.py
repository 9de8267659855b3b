"""One quota per user for what they occupy: their deposits (as long as any copy of one is
kept) and their Mes documents, plus the room held by uploads still under way.

An upload's size is known only once it is read, so its room is reserved before the first
byte: parallel uploads each see what the others already hold, and none can go past the
quota. Reservations live in the service's store, one document per user, read and written
in one transaction, so replicas share them: SQLite serialises write transactions, and
MongoDB aborts one of two transactions writing the same document (the loser retries here).
Each reservation expires, so an upload whose process died does not hold room for ever.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from ent_kit.blobs import BlobInfo, BlobStore, BlobTooLarge, IncomingFile, put_content_addressed
from ent_kit.errors import TooLarge
from ent_kit.storage import DocumentReader, DocumentStore, DocumentWriter

from ent_locker import texts
from ent_locker.application.projections import USAGE
from ent_locker.application.workspace_projection import WORKSPACE_USAGE

RESERVATIONS = "quota_reservations"  # one per user: {"held": {reservation id: {bytes, expires_at}}}
# Two replicas reserving for the same user at once on MongoDB: one transaction is aborted
# and decided again on the fresh document; a few tries are plenty.
ATTEMPTS = 5


class Usage(msgspec.Struct, frozen=True, kw_only=True):
    """What a user occupies, what their uploads under way hold, and their quota."""

    used_bytes: int
    reserved_bytes: int
    quota_bytes: int

    @property
    def room(self) -> int:
        return max(0, self.quota_bytes - self.used_bytes - self.reserved_bytes)


class Reservation(msgspec.Struct, frozen=True, kw_only=True):
    reservation_id: str
    user_id: str
    bytes: int
    short: bool  # fewer bytes than asked: the quota, not the asker, set the limit
    usage: Usage  # as it was before this reservation


def quota_exceeded(field: str, usage: Usage) -> TooLarge:
    return TooLarge(
        field,
        "quota_exceeded",
        texts.QUOTA_EXCEEDED,
        quota_bytes=usage.quota_bytes,
        used_bytes=usage.used_bytes,
        reserved_bytes=usage.reserved_bytes,
    )


async def store_in(
    blobs: BlobStore, file: IncomingFile, room: Reservation, max_document_bytes: int
) -> BlobInfo:
    """Stream the file into the blob store, refused as soon as it outgrows its room: 413
    `quota_exceeded` when the quota set the room, `document_too_large` otherwise."""
    try:
        return await put_content_addressed(blobs, file.chunks, max_size=room.bytes)
    except BlobTooLarge:
        if room.short:
            raise quota_exceeded("file", room.usage) from None
        raise TooLarge(
            "file",
            "document_too_large",
            texts.DOCUMENT_TOO_LARGE,
            max_bytes=max_document_bytes,
        ) from None


async def used_bytes(reader: DocumentReader, user_id: str) -> int:
    """Deposits still kept somewhere, and documents of Mes documents not purged (live or in
    the trash: their blobs are still stored) (read models)."""
    deposits = await reader.get(USAGE, user_id)
    documents = await reader.get(WORKSPACE_USAGE, user_id)
    return sum(int(doc["bytes"]) for doc in (deposits, documents) if doc is not None)


def _live(doc: dict[str, Any] | None, now: float) -> dict[str, Any]:
    held: dict[str, Any] = (doc or {}).get("held", {})
    return {key: r for key, r in held.items() if r["expires_at"] > now}


class Quota:
    def __init__(
        self,
        store: DocumentStore,
        quota_bytes: int,
        reservation_ttl_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._quota = quota_bytes
        self._ttl = reservation_ttl_s
        self._clock = clock

    async def usage(self, user_id: str) -> Usage:
        held = _live(await self._store.get(RESERVATIONS, user_id), self._clock())
        return Usage(
            used_bytes=await used_bytes(self._store, user_id),
            reserved_bytes=sum(r["bytes"] for r in held.values()),
            quota_bytes=self._quota,
        )

    @asynccontextmanager
    async def holding(
        self, user_id: str, wanted: int, *, field: str, exact: bool = False
    ) -> AsyncIterator[Reservation]:
        """Room reserved for the block: `wanted` bytes, or what is left when less (all of
        `wanted` when `exact`), else 413 `quota_exceeded`. Released when the block ends:
        by then what was stored is in the read models, or nothing was."""
        reservation = await self.reserve(user_id, wanted, field=field, exact=exact)
        try:
            yield reservation
        finally:
            await self.release(reservation)

    async def reserve(
        self, user_id: str, wanted: int, *, field: str, exact: bool = False
    ) -> Reservation:
        reservation_id = secrets.token_hex(8)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self._store.transaction() as tx:
                    usage, granted = await self._grant(tx, user_id, reservation_id, wanted, exact)
                break
            except Exception:
                # A write conflict between replicas (MongoDB): decided again. Writing the
                # same reservation id again is harmless.
                if attempt == ATTEMPTS:
                    raise
        if granted == 0:
            raise quota_exceeded(field, usage)
        return Reservation(
            reservation_id=reservation_id,
            user_id=user_id,
            bytes=granted,
            short=granted < wanted,
            usage=usage,
        )

    async def _grant(
        self, tx: DocumentWriter, user_id: str, reservation_id: str, wanted: int, exact: bool
    ) -> tuple[Usage, int]:
        now = self._clock()
        held = _live(await tx.get(RESERVATIONS, user_id), now)
        usage = Usage(
            used_bytes=await used_bytes(tx, user_id),
            reserved_bytes=sum(r["bytes"] for r in held.values()),
            quota_bytes=self._quota,
        )
        granted = min(wanted, usage.room)
        if granted < 1 or (exact and granted < wanted):
            return usage, 0
        held[reservation_id] = {"bytes": granted, "expires_at": now + self._ttl}
        await tx.put(RESERVATIONS, user_id, {"held": held})
        return usage, granted

    async def release(self, reservation: Reservation) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self._store.transaction() as tx:
                    held = _live(await tx.get(RESERVATIONS, reservation.user_id), self._clock())
                    held.pop(reservation.reservation_id, None)
                    if held:
                        await tx.put(RESERVATIONS, reservation.user_id, {"held": held})
                    else:
                        await tx.delete(RESERVATIONS, reservation.user_id)
                return
            except Exception:
                if attempt == ATTEMPTS:
                    raise
