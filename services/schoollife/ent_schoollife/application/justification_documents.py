"""The document a parent joins to a justification, streamed into the blob store under a
key of its own (deleted again should the justification be refused before it is saved):
PDF, JPEG or PNG as its first bytes show, 10 MB at most, never held whole in memory."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from ent_contracts.schoollife.vie_scolaire import JustificationDocument
from ent_kit.blobs import BlobStore, BlobTooLarge
from ent_kit.errors import TooLarge

from ent_schoollife.application.sniffed_upload import UploadRule, sniffed
from ent_schoollife.domain.absence import MAX_DOCUMENT_BYTES, document_name
from ent_schoollife.domain.file_types import JUSTIFICATION_TYPES, MB
from ent_schoollife.texts import vie_scolaire as texts

PREFIX = "schoollife/justifications"
DOCUMENT = UploadRule(
    field="document",
    accepted=JUSTIFICATION_TYPES,
    max_bytes=MAX_DOCUMENT_BYTES,
    wrong_type=("unsupported_document_type", texts.DOCUMENT_TYPE),
    empty=("empty_document", texts.DOCUMENT_EMPTY),
)


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
        info = await blobs.put(key, sniffed(upload.chunks, DOCUMENT, found))
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
