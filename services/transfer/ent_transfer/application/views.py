"""What the transfer's commands and queries answer: msgspec Structs, no HTTP types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

Path = Annotated[str, msgspec.Meta(max_length=1024)]


class FileRequest(msgspec.Struct, frozen=True, kw_only=True):
    path: Path
    size: Annotated[int, msgspec.Meta(ge=0)]
    media_type: Annotated[str, msgspec.Meta(max_length=255)] = "application/octet-stream"


class TransferRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A new transfer: its files (`folder/name` paths kept), then each uploaded with tus at
    `POST /transfer/transfers/{transfer_id}/files`."""

    files: Annotated[list[FileRequest], msgspec.Meta(min_length=1)]
    message: Annotated[str, msgspec.Meta(max_length=10_000)] = ""
    password: Annotated[str, msgspec.Meta(max_length=256)] | None = None
    download_limit: Annotated[int, msgspec.Meta(ge=1, le=100_000)] | None = None
    expires_in_days: Annotated[float, msgspec.Meta(gt=0)] | None = None


class FileView(msgspec.Struct, frozen=True, kw_only=True):
    file_id: str
    path: str
    size: int
    media_type: str
    uploaded: bool


class TransferView(msgspec.Struct, frozen=True, kw_only=True):
    """A transfer as its sender sees it; the share link once it is complete."""

    transfer_id: str
    state: str
    files: list[FileView]
    total_bytes: int
    message: str
    password_protected: bool
    download_limit: int | None
    downloads: int
    created_at: datetime
    expires_at: datetime
    share_url: str | None


class TransferPage(msgspec.Struct, frozen=True):
    items: list[TransferView]
    next_cursor: str | None


class LinkFile(msgspec.Struct, frozen=True, kw_only=True):
    file_id: str
    path: str
    size: int
    media_type: str


class LinkView(msgspec.Struct, frozen=True, kw_only=True):
    """What anyone with the link sees: no sender, no ids of people."""

    files: list[LinkFile]
    total_bytes: int
    message: str
    expires_at: datetime
    needs_password: bool
    downloads_left: int | None


def transfer_view(transfer_id: str, doc: dict[str, Any], share_url: str | None) -> TransferView:
    files = [
        FileView(
            file_id=f["file_id"],
            path=f["path"],
            size=f["size"],
            media_type=f["media_type"],
            uploaded=f["blob_key"] is not None,
        )
        for f in doc["files"]
    ]
    return TransferView(
        transfer_id=transfer_id,
        state=doc["state"],
        files=files,
        total_bytes=doc["total_bytes"],
        message=doc["message"],
        password_protected=doc["password_protected"],
        download_limit=doc["download_limit"],
        downloads=doc["downloads"],
        created_at=msgspec.convert(doc["created_at"], datetime),
        expires_at=msgspec.convert(doc["expires_at"], datetime),
        share_url=share_url,
    )
