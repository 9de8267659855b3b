"""What a file sent to school life is, read from its first bytes (never from what the
browser declares), and which types each use accepts. Pure.

- a student's copy: JPEG, PNG, HEIC/HEIF (a phone's photo) or PDF;
- a justification document (absences): PDF, JPEG or PNG;
- a teacher's homework document: any passive type (not sniffed), as the kit stores it,
  under a checked file name (`checked_file_name`)."""

from __future__ import annotations

from typing import Final

from ent_kit.errors import Refused

from ent_schoollife.texts import notebook as texts

MB: Final = 1024 * 1024
# Bytes enough to tell the accepted types apart (an ISO-BMFF box header and its brand).
SNIFF_BYTES: Final = 12
PDF: Final = "application/pdf"
JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
HEIC: Final = "image/heic"
HEIF: Final = "image/heif"

COPY_TYPES: Final = frozenset({JPEG, PNG, HEIC, HEIF, PDF})
JUSTIFICATION_TYPES: Final = frozenset({PDF, JPEG, PNG})
MAX_FILE_NAME_CHARS: Final = 255
EXTENSIONS: Final = {JPEG: "jpg", PNG: "png", HEIC: "heic", HEIF: "heif", PDF: "pdf"}

_SIGNATURES = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
# Brands of the HEIF family a phone writes (HEIC photos, image sequences, generic HEIF).
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})


def sniffed_media_type(head: bytes) -> str | None:
    """The known type these first bytes begin (PDF, JPEG, PNG, HEIC, HEIF), or None."""
    for signature, media_type in _SIGNATURES:
        if head.startswith(signature):
            return media_type
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIC_BRANDS:
            return HEIC
        if brand in _HEIF_BRANDS:
            return HEIF
    return None


def checked_file_name(name: str) -> str:
    """A document's name as it will be shown and downloaded: the last path segment (some
    browsers send a path), no control characters, not empty, not too long."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if (
        not name
        or name in (".", "..")
        or len(name) > MAX_FILE_NAME_CHARS
        or any(ord(c) < 32 or ord(c) == 127 for c in name)
    ):
        raise Refused("file", "invalid_file_name", texts.FILE_NAME_INVALID)
    return name
