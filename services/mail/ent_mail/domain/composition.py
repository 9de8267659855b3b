"""What a message must be before it is sent: recipients as chosen, subject, body,
attachments, within the seed's limits (seed 002 §I-3). Pure checks."""

from __future__ import annotations

from dataclasses import dataclass

from ent_contracts.directory_api import MAX_RECIPIENTS, Recipient
from ent_contracts.mail import AttachmentRef, ReplyMode
from ent_kit.errors import Refused, TooLarge

from ent_mail import texts
from ent_mail.domain.rich_text import plain_text, sanitize

MAX_SUBJECT = 200
MAX_BODY = 200_000  # characters of sanitized HTML: a long letter with formatting
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS_BYTES = 10 * 1024 * 1024
ADDRESS_FIELDS = ("to", "cc", "bcc")


@dataclass(frozen=True)
class Addressing:
    """Recipients as the sender chose them: users and audiences (`group:<id>:<role>`)."""

    to: list[Recipient]
    cc: list[Recipient]
    bcc: list[Recipient]

    def all(self) -> list[Recipient]:
        return list(dict.fromkeys([*self.to, *self.cc, *self.bcc]))

    def audiences(self) -> list[str]:
        return [r.entry() for r in self.all() if r.group_id is not None]


def addressing(to: list[str], cc: list[str], bcc: list[str]) -> Addressing:
    """Trimmed, once each across the three fields (the first field wins), at least one, at
    most MAX_RECIPIENTS entries before the directory expands audiences."""
    seen: set[str] = set()
    fields: dict[str, list[Recipient]] = {}
    for name, entries in zip(ADDRESS_FIELDS, (to, cc, bcc), strict=True):
        fields[name] = []
        for entry in (e.strip() for e in entries):
            if entry and entry not in seen:
                seen.add(entry)
                fields[name].append(_parsed(name, entry))
    if not seen:
        raise Refused("to", "missing", texts.RECIPIENTS_REQUIRED)
    if len(seen) > MAX_RECIPIENTS:
        raise Refused("to", "too_many", texts.TOO_MANY_RECIPIENTS.format(max=MAX_RECIPIENTS))
    return Addressing(fields["to"], fields["cc"], fields["bcc"])


def _parsed(field: str, entry: str) -> Recipient:
    try:
        return Recipient.parse(entry)
    except ValueError:
        raise Refused(field, "malformed", texts.MALFORMED_RECIPIENT.format(entry=entry)) from None


@dataclass(frozen=True)
class Body:
    html: str  # sanitized
    text: str  # for search, previews and notification e-mails


def subject(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise Refused("subject", "missing", texts.SUBJECT_REQUIRED)
    if len(value) > MAX_SUBJECT:
        raise Refused("subject", "too_long", texts.SUBJECT_TOO_LONG.format(max=MAX_SUBJECT))
    return value


def body(html: str, *, required: bool = True) -> Body:
    clean = sanitize(html)
    if len(clean) > MAX_BODY:
        raise Refused("body", "too_long", texts.BODY_TOO_LONG.format(max=MAX_BODY))
    text = plain_text(clean)
    if required and not text.strip():
        raise Refused("body", "missing", texts.BODY_REQUIRED)
    return Body(clean, text)


def reply_mode(value: str | None) -> ReplyMode:
    match value:
        case "sender_only":
            return "sender_only"
        case "all":
            return "all"
    raise Refused("reply_mode", "missing", texts.REPLY_MODE_REQUIRED)


def attachments(refs: list[AttachmentRef]) -> list[AttachmentRef]:
    """At most 10, 10 MB each and 10 MB in all (seed 002 §I-3)."""
    unique = list({ref.attachment_id: ref for ref in refs}.values())
    if len(unique) > MAX_ATTACHMENTS:
        raise Refused(
            "attachments", "too_many", texts.TOO_MANY_ATTACHMENTS.format(max=MAX_ATTACHMENTS)
        )
    mb = MAX_ATTACHMENT_BYTES // (1024 * 1024)
    if any(ref.size > MAX_ATTACHMENT_BYTES for ref in unique):
        raise TooLarge(
            "attachments", "attachment_too_large", texts.ATTACHMENT_TOO_LARGE.format(max_mb=mb)
        )
    if sum(ref.size for ref in unique) > MAX_ATTACHMENTS_BYTES:
        raise TooLarge(
            "attachments", "attachments_too_large", texts.ATTACHMENTS_TOO_LARGE.format(max_mb=mb)
        )
    return unique
