"""The Transfer aggregate: declared files, their uploads, the link's life. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from ent_contracts import DomainEvent
from ent_contracts.transfer import (
    TransferCompleted,
    TransferCreated,
    TransferDeleted,
    TransferDownloaded,
    TransferExpired,
    TransferFile,
    TransferFileUploaded,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Conflict, DomainError, NotFound, Refused, TooLarge

from ent_transfer import texts
from ent_transfer.domain.rules import (
    TransferLimits,
    checked_expiry_days,
    checked_message,
    checked_paths,
    checked_total,
)

State = Literal["new", "uploading", "ready", "expired", "deleted"]


class Gone(DomainError):
    """The link (or an upload) existed, or may have: it no longer serves (410). Unknown
    links answer this too, so a token cannot be probed."""


class DownloadLimitReached(Gone):
    """The sender's download limit is used up (410)."""


@dataclass(frozen=True, kw_only=True)
class FileDraft:
    """A file as the sender declares it, before its bytes arrive."""

    file_id: str
    path: str
    size: int
    media_type: str


@dataclass(frozen=True, kw_only=True)
class NewTransfer:
    """What the sender asks for; the application adds ids, the clock and the link digest."""

    files: list[FileDraft]
    message: str = ""
    password_protected: bool = False
    download_limit: int | None = None
    expires_in_days: float | None = None


@dataclass
class FileState:
    path: str
    size: int
    media_type: str
    blob_key: str | None = None


@dataclass
class TransferState:
    sender_id: str = ""
    files: dict[str, FileState] = field(default_factory=dict)
    expires_at: datetime | None = None
    download_limit: int | None = None
    downloads: int = 0


class Transfer(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.state: State = "new"
        self.s = TransferState()

    # --- decisions ----------------------------------------------------------------------

    def create(
        self,
        sender_id: str,
        request: NewTransfer,
        *,
        now: datetime,
        link_sha256: str,
        limits: TransferLimits,
    ) -> None:
        if self.state != "new":
            raise Conflict("", "transfer_exists", texts.TRANSFER_NOT_FOUND)
        paths = checked_paths([f.path for f in request.files], limits)
        total = checked_total([f.size for f in request.files], limits)
        days = checked_expiry_days(request.expires_in_days, limits)
        if request.download_limit is not None and request.download_limit < 1:
            raise Refused("download_limit", "invalid_download_limit", texts.BAD_DOWNLOAD_LIMIT)
        files = [
            TransferFile(file_id=f.file_id, path=p, size=f.size, media_type=f.media_type)
            for f, p in zip(request.files, paths, strict=True)
        ]
        self.trigger(
            TransferCreated(
                transfer_id=self.id,
                sender_id=sender_id,
                files=files,
                total_bytes=total,
                message=checked_message(request.message),
                password_protected=request.password_protected,
                download_limit=request.download_limit,
                created_at=now,
                expires_at=now + timedelta(days=days),
                link_sha256=link_sha256,
            )
        )

    def file_for_upload(self, sender_id: str, path: str, size: int, now: datetime) -> str:
        """The declared file an upload of `path` and `size` fills: its id. Only the sender,
        only while uploading, only a file not yet stored, the size as declared."""
        self._own(sender_id)
        if self.state != "uploading" or self._expired(now):
            raise Conflict("", "transfer_closed", texts.TRANSFER_CLOSED)
        for file_id, file in self.s.files.items():
            if file.path == path:
                if file.blob_key is not None:
                    raise Conflict("", "file_already_uploaded", texts.FILE_ALREADY_UPLOADING)
                if file.size != size:
                    raise TooLarge("upload_length", "size_mismatch", texts.UPLOAD_OVERFLOW)
                return file_id
        raise Refused("filename", "file_not_declared", texts.FILE_NOT_DECLARED)

    def record_upload(self, file_id: str, size: int, blob_key: str) -> None:
        """A file's bytes are stored; the last one completes the transfer."""
        file = self.s.files.get(file_id)
        if self.state != "uploading" or file is None:
            raise Conflict("", "transfer_closed", texts.TRANSFER_CLOSED)
        if file.blob_key is not None:
            return  # recorded already (a retried finish)
        self.trigger(
            TransferFileUploaded(transfer_id=self.id, file_id=file_id, size=size, blob_key=blob_key)
        )
        if all(f.blob_key is not None for f in self.s.files.values()):
            total = sum(f.size for f in self.s.files.values())
            self.trigger(
                TransferCompleted(
                    transfer_id=self.id, file_count=len(self.s.files), total_bytes=total
                )
            )

    def download(self, file_id: str | None, now: datetime) -> None:
        """Someone with the link takes one file (or all, `None`): counted against the limit."""
        self.check_available(now)
        if file_id is not None and file_id not in self.s.files:
            raise NotFound("file_id", "file_not_found", texts.FILE_NOT_FOUND)
        self.trigger(TransferDownloaded(transfer_id=self.id, file_id=file_id, downloaded_at=now))

    def delete(self, sender_id: str, now: datetime) -> None:
        self._own(sender_id)
        if self.state in ("new", "uploading", "ready"):
            self.trigger(TransferDeleted(transfer_id=self.id, deleted_at=now, reason="sender"))

    def abandon(self, now: datetime) -> None:
        """An upload never finished: the transfer goes, as if its sender had deleted it."""
        if self.state == "uploading":
            self.trigger(TransferDeleted(transfer_id=self.id, deleted_at=now, reason="abandoned"))

    def expire(self, now: datetime) -> None:
        if self.state in ("uploading", "ready") and self._expired(now):
            self.trigger(TransferExpired(transfer_id=self.id, expired_at=now))

    # --- questions ----------------------------------------------------------------------

    def check_available(self, now: datetime) -> None:
        """The link serves: complete, not expired nor deleted, downloads left."""
        if self.state != "ready" or self._expired(now):
            raise Gone("token", "link_gone", texts.LINK_NOT_FOUND)
        limit = self.s.download_limit
        if limit is not None and self.s.downloads >= limit:
            raise DownloadLimitReached(
                "token", "download_limit_reached", texts.DOWNLOAD_LIMIT_REACHED
            )

    def _expired(self, now: datetime) -> bool:
        return self.s.expires_at is not None and now >= self.s.expires_at

    def _own(self, sender_id: str) -> None:
        if self.state == "new" or sender_id != self.s.sender_id:
            raise NotFound("", "transfer_not_found", texts.TRANSFER_NOT_FOUND)

    # --- evolution ----------------------------------------------------------------------

    def when(self, event: DomainEvent) -> None:
        match event:
            case TransferCreated():
                self.state = "uploading"
                self.s = TransferState(
                    sender_id=event.sender_id,
                    files={f.file_id: FileState(f.path, f.size, f.media_type) for f in event.files},
                    expires_at=event.expires_at,
                    download_limit=event.download_limit,
                )
            case TransferFileUploaded():
                self.s.files[event.file_id].blob_key = event.blob_key
            case TransferCompleted():
                self.state = "ready"
            case TransferDownloaded():
                self.s.downloads += 1
            case TransferExpired():
                self.state = "expired"
            case TransferDeleted():
                self.state = "deleted"

    def blob_keys(self) -> list[str]:
        return [f.blob_key for f in self.s.files.values() if f.blob_key is not None]
