"""Attachments as the Messagerie keeps them: an upload (`attachment:<id>`, stored once) and
a content's verdict (`content:<sha256>`, quarantined at most once). Pure rules."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from ent_contracts import DomainEvent
from ent_contracts.mail import AttachmentQuarantined, AttachmentRef, AttachmentStored
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Refused

from ent_mail import texts

MAX_NAME = 255
DEFAULT_MEDIA_TYPE = "application/octet-stream"
# type/subtype with RFC 6838's characters, optional parameters: anything else (control
# characters, a bare word) is served as opaque bytes rather than echoed into a header.
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;[ -~]*)?")
MAX_MEDIA_TYPE = 255

Source = Literal["upload", "workspace"]


def attachment_stream(attachment_id: str) -> str:
    return f"attachment:{attachment_id}"


def content_stream(sha256: str) -> str:
    return f"content:{sha256}"


# Control (Cc), format (Cf: bidi controls, BOM, soft hyphen...) and line or paragraph
# separators (Zl, Zp); ZWNJ and ZWJ are format characters some scripts need in words.
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
_JOINERS = {"\u200c", "\u200d"}


def _forbidden(c: str) -> bool:
    return c in "/\\" or (unicodedata.category(c) in _FORBIDDEN_CATEGORIES and c not in _JOINERS)


def checked_name(name: str) -> str:
    """A file's name as the locker accepts it: trimmed, NFC, at most MAX_NAME characters,
    no path separator, control nor invisible format character (a bidi override
    before `fdp.exe` in `invoicefdp.exe` shows `invoiceexe.pdf`), not `.` or `..`."""
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise Refused("file", "invalid_name", texts.NAME_EMPTY)
    if len(name) > MAX_NAME:
        raise Refused("file", "invalid_name", texts.NAME_TOO_LONG.format(max=MAX_NAME))
    if any(_forbidden(c) for c in name) or name in {".", ".."}:
        raise Refused("file", "invalid_name", texts.NAME_FORBIDDEN)
    return name


def media_type(value: str) -> str:
    """The declared media type, lower-cased, or opaque bytes when it is not one."""
    value = value.strip()
    lowered = value.lower()
    if len(value) <= MAX_MEDIA_TYPE and _MEDIA_TYPE.fullmatch(lowered):
        return lowered
    return DEFAULT_MEDIA_TYPE


class Attachment(Aggregate):
    """One upload by its owner, whose content may be named by drafts and messages."""

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.owner_id: str | None = None
        self.ref: AttachmentRef | None = None

    def store(self, owner_id: str, ref: AttachmentRef, source: Source) -> None:
        # An attachment's content never changes: a second store of one id is a no-op.
        if self.ref is None:
            self.trigger(AttachmentStored(owner_id=owner_id, attachment=ref, source=source))

    def when(self, event: DomainEvent) -> None:
        if isinstance(event, AttachmentStored):
            self.owner_id = event.owner_id
            self.ref = event.attachment


class Content(Aggregate):
    """A content by its SHA-256: quarantined once the antivirus finds something in it."""

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.signature: str | None = None

    @property
    def quarantined(self) -> bool:
        return self.signature is not None

    def quarantine(self, sha256: str, signature: str) -> None:
        # The first finding stands: scans of later copies of the same bytes add nothing.
        if not self.quarantined:
            self.trigger(AttachmentQuarantined(sha256=sha256, signature=signature))

    def when(self, event: DomainEvent) -> None:
        if isinstance(event, AttachmentQuarantined):
            self.signature = event.signature
