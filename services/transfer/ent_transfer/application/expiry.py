"""The expiry job (on the lease holder): links past their date expire, abandoned uploads go,
and the bytes of every expired or deleted transfer are deleted from the blob store."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec
from ent_contracts import SYSTEM
from ent_kit.blobs import BlobStore
from ent_kit.blobs.multipart import ResumableUploads, UploadProgress
from ent_kit.errors import DomainError
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentStore, Query, Range, find_all

from ent_transfer.application.passwords import ATTEMPTS
from ent_transfer.application.projections import PURGE_QUEUE, READY, TRANSFERS, UPLOADING
from ent_transfer.application.secrets import SECRETS
from ent_transfer.application.uploads import KEY_PREFIX, UPLOADS
from ent_transfer.domain.model import Transfer

BATCH = 200


@dataclass
class ExpiryReport:
    expired: int = 0
    abandoned: int = 0
    uploads_dropped: int = 0
    blobs_deleted: int = 0


class Expiry:
    def __init__(
        self,
        transfers: Repository[Transfer],
        documents: DocumentStore,
        blobs: BlobStore,
        resumable: ResumableUploads,
        projector: LocalProjector,
        upload_ttl: timedelta,
    ) -> None:
        self._projector = projector
        self._transfers = transfers
        self._documents = documents
        self._blobs = blobs
        self._resumable = resumable
        self._ttl = upload_ttl

    async def run(self, now: datetime | None = None) -> dict[str, int]:
        now = now or datetime.now(UTC)
        report = ExpiryReport()
        await self._expire(now, report)
        await self._abandon(now, report)
        await self._drop_uploads(now, report)
        await self._purge(report)
        await self._drop_orphans(now, report)
        return {k: v for k, v in vars(report).items() if v}

    async def _expire(self, now: datetime, report: ExpiryReport) -> None:
        for state in (READY, UPLOADING):
            query = Query(
                where={"state": state}, ranges={"expires_at": Range(lte=now)}, limit=BATCH
            )
            async for doc in find_all(self._documents, TRANSFERS, query):
                saved = await self._transfers.update(doc["id"], lambda t: t.expire(now), SYSTEM)
                await self._projector.caught_up(saved.position)
                report.expired += 1

    async def _abandon(self, now: datetime, report: ExpiryReport) -> None:
        """A transfer still uploading a day after its creation will not be finished."""
        query = Query(
            where={"state": UPLOADING},
            ranges={"created_at": Range(lte=now - self._ttl)},
            limit=BATCH,
        )
        async for doc in find_all(self._documents, TRANSFERS, query):
            saved = await self._transfers.update(doc["id"], lambda t: t.abandon(now), SYSTEM)
            await self._projector.caught_up(saved.position)
            report.abandoned += 1

    async def _drop_uploads(self, now: datetime, report: ExpiryReport) -> None:
        query = Query(where={"done": False}, ranges={"expires_at": Range(lte=now)}, limit=BATCH)
        async for doc in find_all(self._documents, UPLOADS, query):
            await self._drop_upload(doc)
            report.uploads_dropped += 1

    async def _drop_upload(self, doc: dict[str, object]) -> None:
        await self._resumable.abort(msgspec.convert(doc["progress"], UploadProgress))
        async with self._documents.transaction() as tx:
            await tx.delete(UPLOADS, str(doc["id"]))

    async def _purge(self, report: ExpiryReport) -> None:
        """Delete the bytes of every transfer that ended: its files, and any upload of it
        still under way; then its link's secrets."""
        async for queued in find_all(self._documents, PURGE_QUEUE, Query(limit=BATCH)):
            transfer_id = queued["id"]
            doc = await self._documents.get(TRANSFERS, transfer_id)
            for file in doc["files"] if doc else []:
                if file["blob_key"]:
                    await self._blobs.delete(file["blob_key"])
                    report.blobs_deleted += 1
            uploads = Query(where={"transfer_id": transfer_id}, limit=BATCH)
            async for upload in find_all(self._documents, UPLOADS, uploads):
                if upload["done"]:
                    async with self._documents.transaction() as tx:
                        await tx.delete(UPLOADS, upload["id"])
                else:
                    await self._drop_upload(upload)
                    report.uploads_dropped += 1
            async with self._documents.transaction() as tx:
                await tx.delete(SECRETS, transfer_id)
                await tx.delete(ATTEMPTS, transfer_id)
                await tx.delete(PURGE_QUEUE, transfer_id)

    async def _drop_orphans(self, now: datetime, report: ExpiryReport) -> None:
        """Uploads the blob store still holds but no record names (a crash between starting
        one and recording it), once older than an upload may live."""
        # Only this service's keys: a bucket shared with others keeps their uploads.
        for stale in await self._resumable.stale(now - self._ttl, KEY_PREFIX):
            known = Query(where={"progress.upload_id": stale.upload_id}, limit=1)
            if (await self._documents.find(UPLOADS, known)).items:
                continue
            with contextlib.suppress(DomainError):
                await self._resumable.abort(stale)
                report.uploads_dropped += 1
