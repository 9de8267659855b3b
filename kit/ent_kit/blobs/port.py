"""Blob store port: opaque keys → byte streams, never held whole in memory."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from ent_kit.media_types import stored_media_type

if TYPE_CHECKING:
    from ent_kit.blobs.multipart import ResumableUploads


class BlobInfo(msgspec.Struct, frozen=True):
    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class IncomingFile:
    """A file as it arrives (an upload's part): its body is read once, chunk by chunk, by
    whoever stores it, so it never sits whole in memory. Its media type is the one it will
    be stored and served with (`ent_kit.media_types.stored_media_type`): the declared one
    when valid and passive, else `application/octet-stream`."""

    file_name: str
    media_type: str
    chunks: AsyncIterator[bytes]

    def __post_init__(self) -> None:
        object.__setattr__(self, "media_type", stored_media_type(self.media_type))


@dataclass(frozen=True)
class Download:
    """A stored file a caller may read: what to name it, and its bytes on demand (the
    whole file, or a byte range), streamed from the blob store."""

    file_name: str
    media_type: str
    size: int
    sha256: str
    blob_key: str
    blobs: BlobStore

    @classmethod
    def of(cls, record: Mapping[str, Any], blobs: BlobStore) -> Download:
        """From a read-model record holding the file's five fields (among others)."""
        return cls(
            file_name=record["file_name"],
            media_type=record["media_type"],
            size=record["size"],
            sha256=record["sha256"],
            blob_key=record["blob_key"],
            blobs=blobs,
        )

    def chunks(self, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        return self.blobs.get(self.blob_key, offset, length)


class BlobNotFound(LookupError):
    """No blob under that key."""


class BlobStore(Protocol):
    """What every blob adapter offers. Chunks are streamed both ways."""

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> BlobInfo:
        """Store the stream under `key` (replacing any blob there), return its size and SHA-256."""
        ...

    def get(self, key: str, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        """Stream the blob, optionally a byte range. Raises BlobNotFound on first iteration."""
        ...

    async def size(self, key: str) -> int:
        """Size in bytes; BlobNotFound if absent."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove the blob; deleting an absent key is not an error."""
        ...

    async def move(self, source: str, target: str) -> None:
        """Rename a blob (replaces target). BlobNotFound if source is absent."""
        ...

    async def ping(self) -> None:
        """Raise if the store cannot be reached (readiness probe)."""
        ...

    def resumable(self) -> ResumableUploads:
        """Blobs written over many requests, piece by piece (`ent_kit.blobs.multipart`)."""
        ...

    async def close(self) -> None: ...
