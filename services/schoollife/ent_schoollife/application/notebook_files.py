"""Files of the notebook, streamed into the blob store (content-addressed, so a stored
file is never overwritten): a teacher's documents, and the students' copies, whose type
is read from their first bytes while they stream."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ent_kit.blobs import BlobInfo, BlobStore, BlobTooLarge, IncomingFile, put_content_addressed
from ent_kit.errors import Refused, TooLarge
from ent_kit.media_types import OPAQUE

from ent_schoollife.domain.hand_in import (
    ACCEPTED_MEDIA_TYPES,
    MAX_COPY_BYTES,
    SNIFF_BYTES,
    sniffed_media_type,
)
from ent_schoollife.domain.notebook import MAX_DOCUMENT_BYTES
from ent_schoollife.texts import notebook as texts

MB = 1024 * 1024
# What a phone or a browser may declare for an accepted copy: the bytes decide after.
DECLARABLE = ACCEPTED_MEDIA_TYPES | {OPAQUE, "image/heic-sequence", "image/heif-sequence"}


async def store_document(blobs: BlobStore, file: IncomingFile) -> BlobInfo:
    """A teacher's document, any passive type, 10 MB at most."""
    try:
        return await put_content_addressed(
            blobs, _not_empty(file.chunks), max_size=MAX_DOCUMENT_BYTES
        )
    except BlobTooLarge:
        message = texts.DOCUMENT_TOO_LARGE.format(max_mb=MAX_DOCUMENT_BYTES // MB)
        raise TooLarge(
            "file", "document_too_large", message, max_bytes=MAX_DOCUMENT_BYTES
        ) from None


async def store_copy(blobs: BlobStore, file: IncomingFile) -> tuple[BlobInfo, str]:
    """A student's copy and the type its bytes show (JPEG, PNG, HEIC/HEIF or PDF). A type
    declared outside these is refused before a byte is read; bytes of another kind are
    refused as they arrive, and nothing is kept."""
    if file.media_type.partition(";")[0].strip() not in DECLARABLE:
        raise Refused("file", "unsupported_file_type", texts.COPY_TYPE_REFUSED)
    sniffed: list[str] = []
    try:
        info = await put_content_addressed(
            blobs, _sniffed(file.chunks, sniffed), max_size=MAX_COPY_BYTES
        )
    except BlobTooLarge:
        message = texts.COPY_TOO_LARGE.format(max_mb=MAX_COPY_BYTES // MB)
        raise TooLarge("file", "copy_too_large", message, max_bytes=MAX_COPY_BYTES) from None
    return info, sniffed[0]


async def _sniffed(chunks: AsyncIterator[bytes], found: list[str]) -> AsyncIterator[bytes]:
    """The stream as it is, once its first bytes are known to be of an accepted type
    (appended to `found`). Refusing inside the stream makes the store drop what it began."""
    head = b""
    async for chunk in chunks:
        if found:
            yield chunk
            continue
        head += chunk
        if len(head) >= SNIFF_BYTES:
            found.append(_accepted(head))
            yield head
    if not found:  # a file shorter than the bytes sniffed
        if not head:
            raise Refused("file", "empty_file", texts.EMPTY_FILE)
        found.append(_accepted(head))
        yield head


def _accepted(head: bytes) -> str:
    media_type = sniffed_media_type(head)
    if media_type is None:
        raise Refused("file", "unsupported_file_type", texts.COPY_TYPE_REFUSED)
    return media_type


async def _not_empty(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    empty = True
    async for chunk in chunks:
        if chunk:
            empty = False
            yield chunk
    if empty:
        raise Refused("file", "empty_file", texts.EMPTY_FILE)
