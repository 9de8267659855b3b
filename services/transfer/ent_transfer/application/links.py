"""The receiving side: anyone with the link sees the files, downloads one or all (a zip),
after the password if there is one; each download is counted and checked against the limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ent_contracts import SYSTEM
from ent_kit.blobs import BlobStore
from ent_kit.errors import NotFound, Unauthenticated
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentStore, Query
from ent_kit.zips import ZipMember, streamed_zip

from ent_transfer import texts
from ent_transfer.application.passwords import Passwords
from ent_transfer.application.projections import READY, TRANSFERS
from ent_transfer.application.secrets import Secrets, token_digest
from ent_transfer.application.views import LinkFile, LinkView
from ent_transfer.domain.model import DownloadLimitReached, Gone, Transfer


@dataclass(frozen=True)
class LinkedFile:
    """One file to stream: its name (the last segment of its path), type, size, bytes."""

    transfer_id: str
    file_id: str
    file_name: str
    media_type: str
    size: int
    blob_key: str
    blobs: BlobStore

    def chunks(self, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        return self.blobs.get(self.blob_key, offset, length)


class Links:
    def __init__(
        self,
        transfers: Repository[Transfer],
        documents: DocumentStore,
        blobs: BlobStore,
        passwords: Passwords,
        projector: LocalProjector,
    ) -> None:
        self._transfers = transfers
        self._documents = documents
        self._blobs = blobs
        self._passwords = passwords
        self._projector = projector
        self._secrets = Secrets(documents)

    async def _alive(self, token: str) -> dict[str, Any]:
        """The transfer behind the link, while it serves. Unknown, incomplete, expired and
        deleted all answer the same 410."""
        page = await self._documents.find(
            TRANSFERS, Query(where={"link_sha256": token_digest(token)}, limit=1)
        )
        doc = page.items[0] if page.items else None
        now = datetime.now(UTC)
        if doc is None or doc["state"] != READY or datetime.fromisoformat(doc["expires_at"]) <= now:
            raise Gone("token", "link_gone", texts.LINK_NOT_FOUND)
        limit = doc["download_limit"]
        if limit is not None and doc["downloads"] >= limit:
            raise DownloadLimitReached(
                "token", "download_limit_reached", texts.DOWNLOAD_LIMIT_REACHED
            )
        return doc

    async def describe(self, token: str) -> LinkView:
        doc = await self._alive(token)
        limit = doc["download_limit"]
        return LinkView(
            files=[
                LinkFile(
                    file_id=f["file_id"], path=f["path"], size=f["size"], media_type=f["media_type"]
                )
                for f in doc["files"]
            ],
            total_bytes=doc["total_bytes"],
            message=doc["message"],
            expires_at=datetime.fromisoformat(doc["expires_at"]),
            needs_password=doc["password_protected"],
            downloads_left=None if limit is None else limit - doc["downloads"],
        )

    async def _unlocked(self, token: str, password: str | None) -> dict[str, Any]:
        doc = await self._alive(token)
        if doc["password_protected"]:
            secret = await self._secrets.of(doc["id"])
            if not password:
                raise Unauthenticated("password", "password_required", texts.PASSWORD_REQUIRED)
            if (
                secret is None
                or secret.password_hash is None
                or not await self._passwords.verify(doc["id"], secret.password_hash, password)
            ):
                raise Unauthenticated("password", "password_wrong", texts.PASSWORD_WRONG)
        return doc

    async def count(self, transfer_id: str, file_id: str | None) -> None:
        """One download more (checked against the limit: a last one may be refused)."""
        now = datetime.now(UTC)
        saved = await self._transfers.update(
            transfer_id, lambda t: t.download(file_id, now), SYSTEM
        )
        await self._projector.caught_up(saved.position)

    async def file(self, token: str, file_id: str, password: str | None) -> LinkedFile:
        """One file, not counted yet (`count`: a Range resuming a download is not counted)."""
        doc = await self._unlocked(token, password)
        file = next((f for f in doc["files"] if f["file_id"] == file_id), None)
        if file is None:
            raise NotFound("file_id", "file_not_found", texts.FILE_NOT_FOUND)
        return LinkedFile(
            transfer_id=doc["id"],
            file_id=file_id,
            file_name=file["path"].rsplit("/", 1)[-1],
            media_type=file["media_type"],
            size=file["size"],
            blob_key=file["blob_key"],
            blobs=self._blobs,
        )

    async def zipped(self, token: str, password: str | None) -> AsyncIterator[bytes]:
        """Every file in one zip, folders kept (paths are unique: the rules refuse two
        alike), built while it streams."""
        doc = await self._unlocked(token, password)
        await self.count(doc["id"], None)
        created = datetime.fromisoformat(doc["created_at"])
        blobs = self._blobs
        files = list(doc["files"])

        async def members() -> AsyncIterator[ZipMember]:
            for f in files:
                yield ZipMember(f["path"], created, f["size"], blobs.get(f["blob_key"]))

        return streamed_zip(members())
