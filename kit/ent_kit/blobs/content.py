"""Key rules shared by all adapters, and content-addressed storage on top of any BlobStore."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator

from ent_kit.blobs.port import BlobInfo, BlobStore

INCOMING_PREFIX = "incoming/"
CONTENT_PREFIX = "sha256/"

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class BlobTooLarge(ValueError):
    """The stream went past the caller's size limit; nothing was kept."""

    def __init__(self, max_size: int) -> None:
        super().__init__(f"blob exceeds the limit of {max_size} bytes")
        self.max_size = max_size


def validate_key(key: str) -> str:
    """Reject keys that could escape a filesystem root or mean different things per adapter.

    Both adapters apply the same rule so that a key accepted by one backend is
    accepted by the other (stores can be migrated without renaming blobs).
    """
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise ValueError(f"invalid blob key {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"invalid blob key {key!r}")
    return key


def content_key(sha256_hex: str) -> str:
    """Where content with this digest lives; the two-char fan-out keeps directories small."""
    if not _SHA256_HEX.fullmatch(sha256_hex):
        raise ValueError(f"not a lowercase SHA-256 hex digest: {sha256_hex!r}")
    return f"{CONTENT_PREFIX}{sha256_hex[:2]}/{sha256_hex}"


async def _limited(chunks: AsyncIterable[bytes], max_size: int | None) -> AsyncIterator[bytes]:
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if max_size is not None and total > max_size:
            # Raising inside the stream makes the adapter abort its put, so the
            # oversize upload is cut off here instead of being read to the end.
            raise BlobTooLarge(max_size)
        yield chunk


async def put_content_addressed(
    store: BlobStore, chunks: AsyncIterable[bytes], *, max_size: int | None = None
) -> BlobInfo:
    """Store the stream under its SHA-256 key; identical content is kept only once."""
    temp_key = f"{INCOMING_PREFIX}{uuid.uuid4()}"
    try:
        info = await store.put(temp_key, _limited(chunks, max_size))
        final_key = content_key(info.sha256)
        if await store.exists(final_key):
            await store.delete(temp_key)
        else:
            # Two concurrent uploads of the same content may both get here; the
            # second move replaces identical bytes, which is harmless.
            await store.move(temp_key, final_key)
    except BaseException:
        # Shielded so that a cancelled upload still cleans up its temporary blob.
        await asyncio.shield(store.delete(temp_key))
        raise
    return BlobInfo(key=final_key, size=info.size, sha256=info.sha256)
