"""Resumable appends: a blob written over many requests, possibly on several replicas.

An upload's whole state is an `UploadProgress` value that the caller keeps in its own
store (never in this process's memory), so whichever replica receives the next request
carries on from it. The adapter hands every new state to the caller's `save` before
returning, also when the incoming stream breaks off (a cut connection keeps what arrived),
and checkpoints a long stream on the way (a crashed process loses at most the bytes since).

- filesystem: bytes appended to a partial file outside the key space, fsync'd; `finish`
  renames it to its key.
- S3: one multipart upload; parts of `PART_SIZE` go straight to it, and what is left over
  (less than a part: S3 refuses parts under 5 MiB but the last) waits in a "tail" object
  named after its place, never in memory between requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from datetime import datetime
from typing import Protocol

import msgspec

from ent_kit.blobs.port import BlobStore


class Part(msgspec.Struct, frozen=True):
    number: int
    etag: str


class UploadProgress(msgspec.Struct, frozen=True, kw_only=True):
    """Where an upload stands: `offset` bytes durably received for the blob `key`.
    `upload_id` names the adapter's own record (the partial file, the S3 multipart upload);
    `parts` and `tail` are S3's (sent parts, bytes in the tail object)."""

    key: str
    upload_id: str
    offset: int = 0
    parts: list[Part] = []
    tail: int = 0


# Called with each durable state: `final` False for a checkpoint in the middle of a long
# stream (what a crash would otherwise lose), True once, when the stream ended or broke.
Save = Callable[[UploadProgress, bool], Awaitable[None]]
# Bytes between two checkpoints of a long stream.
CHECKPOINT_BYTES = 64 * 1024 * 1024


class UploadLengthExceeded(ValueError):
    """More bytes arrived than the caller allowed; those before the limit were kept."""


class ResumableUploads(Protocol):
    async def start(self, key: str) -> UploadProgress:
        """A new, empty upload that will become the blob `key` once finished."""
        ...

    async def append(
        self,
        progress: UploadProgress,
        chunks: AsyncIterable[bytes],
        save: Save,
        *,
        max_bytes: int | None = None,
    ) -> UploadProgress:
        """Add the stream at `progress.offset`. The new state goes to `save` (final) before
        this returns or lets the stream's error (or `UploadLengthExceeded`) through; a long
        stream is also checkpointed on the way. A `save` that raises records nothing: the
        next append starts from the state last saved."""
        ...

    async def finish(self, progress: UploadProgress) -> int:
        """Make the blob `progress.key` of everything appended; its size."""
        ...

    async def abort(self, progress: UploadProgress) -> None:
        """Drop the upload and whatever it stored; aborting twice is fine."""
        ...

    async def stale(self, older_than: datetime, prefix: str = "") -> list[UploadProgress]:
        """Uploads of keys under `prefix` started (filesystem: last written) before
        `older_than` that the backend still holds, whether or not the caller still knows
        them (a safety net for records lost in a crash)."""
        ...


async def limited(chunks: AsyncIterable[bytes], max_bytes: int | None) -> AsyncIterable[bytes]:
    """The stream, cut at `max_bytes`: what fits goes on, then UploadLengthExceeded."""
    left = max_bytes
    async for chunk in chunks:
        if left is not None and len(chunk) > left:
            if left:
                yield chunk[:left]
            raise UploadLengthExceeded(f"more than {max_bytes} bytes")
        if left is not None:
            left -= len(chunk)
        yield chunk


def resumable_uploads(store: BlobStore) -> ResumableUploads:
    """The resumable side of a blob store, on the same directory or bucket."""
    return store.resumable()
