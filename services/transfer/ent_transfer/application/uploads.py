"""tus uploads of a transfer's files: one upload per file, its whole state (offset, the blob
store's multipart record) in the store, so any replica takes the next request."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore
from ent_kit.blobs.multipart import ResumableUploads, UploadLengthExceeded, UploadProgress
from ent_kit.errors import Conflict, DomainError, NotFound, TooLarge
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import Check, Document, DocumentStore

from ent_transfer import texts
from ent_transfer.domain.model import Gone, Transfer

T = TypeVar("T")

# Every blob of the transfer lives under this prefix (its own multipart uploads too).
KEY_PREFIX = "transfers/"
UPLOADS = "uploads"  # id: upload id → transfer, file, length, progress, times
LOCKS = "upload_locks"  # id: upload id, present while one request appends to it
# A lock not renewed for this long belongs to a request that died with its process.
LOCK_STALE = timedelta(seconds=30)
LOCK_RENEW = timedelta(seconds=10)
# The lock this task holds, so that what it records is fenced by it.
_HOLDER: ContextVar[str] = ContextVar("upload_lock_holder")


class _NotHeld(Exception):
    """The upload's lock is another request's, or gone."""


def _held_by(holder: str) -> Check:
    """Checked as a transaction commits (`expect`): so that recording under the lock takes
    one step of the store, not a read and then a write."""

    def check(lock: Document | None) -> None:
        if lock is None or lock["holder"] != holder:
            raise _NotHeld

    return check


class ChecksumMismatch(DomainError):
    """The bytes of a PATCH do not match its Upload-Checksum: none of them is kept (460)."""


@dataclass(frozen=True)
class UploadStatus:
    upload_id: str
    offset: int
    length: int
    expires_at: datetime
    metadata: dict[str, str]


@dataclass(frozen=True)
class Checksum:
    algorithm: str  # "sha1" only
    digest: bytes


def _now() -> datetime:
    return datetime.now(UTC)


class _Hashing:
    """Passes the stream on, hashing it."""

    def __init__(self, chunks: AsyncIterable[bytes]) -> None:
        self._chunks = chunks
        self.sha1 = hashlib.sha1()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._chunks:
            self.sha1.update(chunk)
            yield chunk


class TusUploads:
    def __init__(
        self,
        transfers: Repository[Transfer],
        documents: DocumentStore,
        blobs: BlobStore,
        resumable: ResumableUploads,
        projector: LocalProjector,
        ttl: timedelta,
    ) -> None:
        self._transfers = transfers
        self._documents = documents
        self._blobs = blobs
        self._resumable = resumable
        self._projector = projector
        self._ttl = ttl

    async def create(
        self, me: Identity, transfer_id: str, length: int, path: str, metadata: dict[str, str]
    ) -> UploadStatus:
        transfer = await self._transfers.get(transfer_id)
        if transfer is None:
            raise NotFound("", "transfer_not_found", texts.TRANSFER_NOT_FOUND)
        now = _now()
        file_id = transfer.file_for_upload(me.user_id, path, length, now)
        upload_id = secrets.token_urlsafe(18)
        progress = await self._resumable.start(f"{KEY_PREFIX}{transfer_id}/{upload_id}")
        expires_at = min(now + self._ttl, transfer.s.expires_at or now + self._ttl)
        async with self._documents.transaction() as tx:
            await tx.put(
                UPLOADS,
                upload_id,
                {
                    "transfer_id": transfer_id,
                    "file_id": file_id,
                    "sender_id": me.user_id,
                    "length": length,
                    "metadata": metadata,
                    "progress": msgspec.to_builtins(progress),
                    "created_at": now,
                    "expires_at": expires_at,
                    "done": False,
                },
            )
        return UploadStatus(upload_id, 0, length, expires_at, metadata)

    async def check_visible(self, me: Identity, transfer_id: str, upload_id: str | None) -> None:
        """NotFound (or Gone) unless the caller's own transfer (and upload): asked first, so
        that nothing about someone else's upload depends on the headers sent."""
        if upload_id is not None:
            await self._record(me, transfer_id, upload_id)
            return
        transfer = await self._transfers.get(transfer_id)
        if transfer is None or transfer.s.sender_id != me.user_id:
            raise NotFound("", "transfer_not_found", texts.TRANSFER_NOT_FOUND)

    async def _record(self, me: Identity, transfer_id: str, upload_id: str) -> dict[str, Any]:
        doc = await self._documents.get(UPLOADS, upload_id)
        if doc is None or doc["sender_id"] != me.user_id or doc["transfer_id"] != transfer_id:
            raise NotFound("", "upload_not_found", texts.UPLOAD_NOT_FOUND)
        if not doc["done"] and datetime.fromisoformat(doc["expires_at"]) <= _now():
            raise Gone("", "upload_expired", texts.UPLOAD_GONE)
        return doc

    @staticmethod
    def _status(upload_id: str, doc: dict[str, Any]) -> UploadStatus:
        progress = msgspec.convert(doc["progress"], UploadProgress)
        return UploadStatus(
            upload_id,
            progress.offset,
            doc["length"],
            datetime.fromisoformat(doc["expires_at"]),
            doc["metadata"],
        )

    async def status(self, me: Identity, transfer_id: str, upload_id: str) -> UploadStatus:
        doc = await self._record(me, transfer_id, upload_id)
        status = self._status(upload_id, doc)
        if status.offset == status.length and not doc["done"]:
            # All bytes arrived but the request that got them died before recording the
            # file: finish it now, or the client (which sees it complete) never would.
            with contextlib.suppress(Conflict):  # the request finishing it holds the lock
                await self._locked(upload_id, lambda: self._finish(me, upload_id))
        return status

    async def append(
        self,
        me: Identity,
        transfer_id: str,
        upload_id: str,
        offset: int,
        chunks: AsyncIterable[bytes],
        *,
        content_length: int | None,
        checksum: Checksum | None,
    ) -> UploadStatus:
        doc = await self._record(me, transfer_id, upload_id)
        if doc["done"]:
            raise Conflict("upload_offset", "upload_complete", texts.WRONG_OFFSET)
        remaining = doc["length"] - offset
        if content_length is not None and content_length > remaining:
            raise TooLarge("", "upload_too_large", texts.UPLOAD_OVERFLOW)

        async def work() -> UploadStatus:
            fresh = await self._record(me, transfer_id, upload_id)  # read under the lock
            progress = msgspec.convert(fresh["progress"], UploadProgress)
            if progress.offset != offset:
                raise Conflict("upload_offset", "wrong_offset", texts.WRONG_OFFSET)
            # Hashed only when the client asks: SHA-1 would take a fifth of the CPU.
            hashing = _Hashing(chunks) if checksum is not None else None

            async def save(kept: UploadProgress, final: bool) -> None:
                if checksum is not None and hashing is not None:
                    if not final:
                        return  # a PATCH with a checksum is kept whole or not at all
                    if hashing.sha1.digest() != checksum.digest:
                        raise ChecksumMismatch("", "checksum_mismatch", texts.BAD_CHECKSUM)
                try:
                    async with self._documents.transaction() as tx:
                        await tx.expect(LOCKS, upload_id, _held_by(_HOLDER.get()))
                        await tx.put(UPLOADS, upload_id, _progressed(fresh, kept))
                except _NotHeld:
                    # Taken over (this request stalled past LOCK_STALE): record nothing.
                    raise Conflict("", "upload_busy", texts.UPLOAD_BUSY) from None

            try:
                kept = await self._resumable.append(
                    progress, hashing or chunks, save, max_bytes=remaining
                )
            except UploadLengthExceeded:
                raise TooLarge("", "upload_too_large", texts.UPLOAD_OVERFLOW) from None
            if kept.offset == fresh["length"]:
                await self._finish(me, upload_id)
            return self._status(upload_id, _progressed(fresh, kept))

        return await self._locked(upload_id, work)

    async def _finish(self, me: Identity, upload_id: str) -> None:
        doc = await self._documents.get(UPLOADS, upload_id)
        if doc is None or doc["done"]:
            return
        progress = msgspec.convert(doc["progress"], UploadProgress)
        if not await self._blobs.exists(progress.key):
            await self._resumable.finish(progress)

        def record(transfer: Transfer) -> bool:
            if transfer.state != "uploading":
                return False
            file = transfer.s.files[doc["file_id"]]
            if file.blob_key not in (None, progress.key):
                return False  # another upload of this file got there first
            transfer.record_upload(doc["file_id"], progress.offset, progress.key)
            return True

        saved = await self._transfers.update(doc["transfer_id"], record, me.actor)
        if not saved.result:
            await self._blobs.delete(progress.key)
        async with self._documents.transaction() as tx:
            await tx.put(UPLOADS, upload_id, {**doc, "done": True})
        await self._projector.caught_up(saved.position)

    async def terminate(self, me: Identity, transfer_id: str, upload_id: str) -> None:
        doc = await self._record(me, transfer_id, upload_id)

        async def work() -> None:
            if not doc["done"]:
                await self._resumable.abort(msgspec.convert(doc["progress"], UploadProgress))
                async with self._documents.transaction() as tx:
                    await tx.delete(UPLOADS, upload_id)

        await self._locked(upload_id, work)

    async def _locked(self, upload_id: str, work: Callable[[], Awaitable[T]]) -> T:
        """One request at a time appends to an upload, on whichever replica. The lock is
        renewed while the request runs; one not renewed for LOCK_STALE (its process died)
        is taken over, so a client resumes at once on another replica."""
        holder = secrets.token_hex(8)
        now = _now()
        async with self._documents.transaction() as tx:
            taken = await tx.insert(LOCKS, upload_id, {"at": now, "holder": holder})
            if not taken:
                held = await tx.get(LOCKS, upload_id)
                if held is not None and now - datetime.fromisoformat(held["at"]) < LOCK_STALE:
                    raise Conflict("", "upload_busy", texts.UPLOAD_BUSY)
                await tx.put(LOCKS, upload_id, {"at": now, "holder": holder})
        renewing = asyncio.create_task(self._renew(upload_id, holder))
        token = _HOLDER.set(holder)
        try:
            return await work()
        finally:
            _HOLDER.reset(token)
            renewing.cancel()
            await asyncio.shield(self._unlock(upload_id, holder))

    async def _renew(self, upload_id: str, holder: str) -> None:
        with contextlib.suppress(_NotHeld):
            while True:
                await asyncio.sleep(LOCK_RENEW.total_seconds())
                async with self._documents.transaction() as tx:
                    await tx.expect(LOCKS, upload_id, _held_by(holder))
                    await tx.put(LOCKS, upload_id, {"at": _now(), "holder": holder})

    async def _unlock(self, upload_id: str, holder: str) -> None:
        with contextlib.suppress(_NotHeld):
            async with self._documents.transaction() as tx:
                await tx.expect(LOCKS, upload_id, _held_by(holder))
                await tx.delete(LOCKS, upload_id)


def _progressed(record: Document, progress: UploadProgress) -> Document:
    return {**record, "progress": msgspec.to_builtins(progress)}


def decoded_checksum(header: str | None) -> Checksum | None:
    """`Upload-Checksum: sha1 <base64>`; None without the header."""
    if not header:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm.lower() != "sha1":
        raise DomainError("", "checksum_algorithm", texts.BAD_CHECKSUM_ALGORITHM)
    try:
        return Checksum("sha1", base64.b64decode(value, validate=True))
    except ValueError:
        raise DomainError("", "checksum_invalid", texts.BAD_CHECKSUM) from None
