"""Files of the notebook, streamed into the blob store (content-addressed, so a stored
file is never overwritten): a teacher's documents, and the students' copies, whose type
is read from their first bytes while they stream (domain/file_types, sniffed_upload)."""

from __future__ import annotations

from ent_kit.blobs import BlobInfo, BlobStore, BlobTooLarge, IncomingFile, put_content_addressed
from ent_kit.errors import Refused, TooLarge
from ent_kit.media_types import OPAQUE

from ent_schoollife.application.sniffed_upload import UploadRule, sniffed
from ent_schoollife.domain.file_types import COPY_TYPES, MB
from ent_schoollife.domain.hand_in import MAX_COPY_BYTES
from ent_schoollife.domain.notebook import MAX_DOCUMENT_BYTES
from ent_schoollife.texts import notebook as texts

# What a phone or a browser may declare for an accepted copy: the bytes decide after.
DECLARABLE = COPY_TYPES | {OPAQUE, "image/heic-sequence", "image/heif-sequence"}
_EMPTY = ("empty_file", texts.EMPTY_FILE)
COPY = UploadRule(
    field="file",
    accepted=COPY_TYPES,
    max_bytes=MAX_COPY_BYTES,
    wrong_type=("unsupported_file_type", texts.COPY_TYPE_REFUSED),
    empty=_EMPTY,
)
HOMEWORK_DOCUMENT = UploadRule(
    field="file", accepted=None, max_bytes=MAX_DOCUMENT_BYTES, wrong_type=("", ""), empty=_EMPTY
)


async def store_document(blobs: BlobStore, file: IncomingFile) -> BlobInfo:
    """A teacher's document, any passive type, 10 MB at most."""
    try:
        return await put_content_addressed(blobs, sniffed(file.chunks, HOMEWORK_DOCUMENT, []))
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
    found: list[str] = []
    try:
        info = await put_content_addressed(blobs, sniffed(file.chunks, COPY, found))
    except BlobTooLarge:
        message = texts.COPY_TOO_LARGE.format(max_mb=MAX_COPY_BYTES // MB)
        raise TooLarge("file", "copy_too_large", message, max_bytes=MAX_COPY_BYTES) from None
    return info, found[0]
