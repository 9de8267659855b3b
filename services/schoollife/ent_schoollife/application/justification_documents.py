"""The document a parent joins to a justification, streamed into the blob store under a
key of its own (deleted again should the justification be refused before it is saved):
PDF, JPEG or PNG as its first bytes show, 10 MB at most, never held whole in memory."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from ent_contracts.schoollife.vie_scolaire import JustificationDocument
from ent_kit.blobs import BlobStore, BlobTooLarge
from ent_kit.errors import Refused, TooLarge

from ent_schoollife.domain.absence import (
    MAX_DOCUMENT_BYTES,
    SNIFF_BYTES,
    document_name,
    sniffed_document_type,
)
from ent_schoollife.texts import vie_scolaire as texts

PREFIX = "schoollife/justifications"
MB = 1024 * 1024


@dataclass(frozen=True)
class DocumentUpload:
    """A document as it arrives: its name, and its bytes, read once while stored. The
    declared type is not trusted: the first bytes decide."""

    file_name: str
    chunks: AsyncIterator[bytes]


async def store_document(
    blobs: BlobStore, absence_id: str, upload: DocumentUpload
) -> JustificationDocument:
    key = f"{PREFIX}/{absence_id}/{uuid.uuid4().hex}"
    found: list[str] = []
    try:
        info = await blobs.put(key, _checked(upload.chunks, found))
    except BlobTooLarge:
        message = texts.DOCUMENT_TOO_LARGE.format(max_mb=MAX_DOCUMENT_BYTES // MB)
        raise TooLarge(
            "document", "document_too_large", message, max_bytes=MAX_DOCUMENT_BYTES
        ) from None
    return JustificationDocument(
        file_name=document_name(upload.file_name),
        media_type=found[0],
        size=info.size,
        sha256=info.sha256,
        blob_key=info.key,
    )


async def _checked(chunks: AsyncIterator[bytes], found: list[str]) -> AsyncIterator[bytes]:
    """The stream as it is, once its first bytes show an accepted type (appended to
    `found`), cut past the size limit. Refusing inside the stream makes the store drop
    what it began."""
    head = b""
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > MAX_DOCUMENT_BYTES:
            raise BlobTooLarge(MAX_DOCUMENT_BYTES)
        if found:
            yield chunk
            continue
        head += chunk
        if len(head) >= SNIFF_BYTES:
            found.append(sniffed_document_type(head))
            yield head
    if not found:  # shorter than the bytes sniffed
        if not head:
            raise Refused("document", "empty_document", texts.DOCUMENT_EMPTY)
        found.append(sniffed_document_type(head))
        yield head
