"""Events of the transfer domain: large files sent to anyone by a link that expires.

No event carries a password, its hash or the link's token: only the token's SHA-256, so a
reader of the topic cannot download what it describes. `TransferDownloaded` says nothing of
who downloaded (the link is anonymous)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

import msgspec

from ent_contracts import topics
from ent_contracts.envelope import DomainEvent
from ent_contracts.registry import register

Sha256 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]


class TransferEvent(DomainEvent, frozen=True, kw_only=True):
    """Base of every event on the transfer's topic."""

    topic: ClassVar[str] = topics.TRANSFER


class TransferFile(msgspec.Struct, frozen=True, kw_only=True):
    """One file of a transfer as the sender declared it: its path relative to what was
    sent (`folder/sub/name.pdf`, or a bare name), its size and type."""

    file_id: str
    path: str
    size: Annotated[int, msgspec.Meta(ge=0)]
    media_type: str


@register
class TransferCreated(TransferEvent, frozen=True, kw_only=True):
    """A transfer was declared: its files are to be uploaded; not visible by link until
    all of them are (`TransferCompleted`)."""

    event_type: ClassVar[str] = "transfer.TransferCreated"
    transfer_id: str
    sender_id: str
    files: list[TransferFile]
    total_bytes: Annotated[int, msgspec.Meta(ge=0)]
    message: str = ""
    password_protected: bool = False
    download_limit: Annotated[int, msgspec.Meta(ge=1)] | None = None
    created_at: datetime
    expires_at: datetime
    link_sha256: Sha256


@register
class TransferFileUploaded(TransferEvent, frozen=True, kw_only=True):
    """One file's bytes are all stored, under `blob_key`."""

    event_type: ClassVar[str] = "transfer.TransferFileUploaded"
    transfer_id: str
    file_id: str
    size: Annotated[int, msgspec.Meta(ge=0)]
    blob_key: str


@register
class TransferCompleted(TransferEvent, frozen=True, kw_only=True):
    """Every file is uploaded: the link works from now until `expires_at`."""

    event_type: ClassVar[str] = "transfer.TransferCompleted"
    transfer_id: str
    file_count: Annotated[int, msgspec.Meta(ge=1)]
    total_bytes: Annotated[int, msgspec.Meta(ge=0)]


@register
class TransferDownloaded(TransferEvent, frozen=True, kw_only=True):
    """Someone with the link downloaded one file (`file_id`) or everything as a zip (None).
    Who is not recorded."""

    event_type: ClassVar[str] = "transfer.TransferDownloaded"
    transfer_id: str
    file_id: str | None = None
    downloaded_at: datetime


@register
class TransferExpired(TransferEvent, frozen=True, kw_only=True):
    """The link reached its expiry: it answers 410 and the files are deleted."""

    event_type: ClassVar[str] = "transfer.TransferExpired"
    transfer_id: str
    expired_at: datetime


@register
class TransferDeleted(TransferEvent, frozen=True, kw_only=True):
    """The sender deleted the transfer before its expiry (or abandoned its upload)."""

    event_type: ClassVar[str] = "transfer.TransferDeleted"
    transfer_id: str
    deleted_at: datetime
    reason: Literal["sender", "abandoned"] = "sender"
