"""One way to take a file into the blob store: sniff its head, count its size, and refuse
naming the form's field, while it streams (never held whole in memory). Refusing inside
the stream makes the blob store drop what it began."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from ent_kit.blobs import BlobTooLarge
from ent_kit.errors import Refused

from ent_schoollife.domain.file_types import SNIFF_BYTES, sniffed_media_type


@dataclass(frozen=True, kw_only=True)
class UploadRule:
    """What one use accepts: `accepted` types (None: any, not sniffed), at most
    `max_bytes`; the field refusals name, and the (code, text) of each refusal."""

    field: str
    accepted: frozenset[str] | None
    max_bytes: int
    wrong_type: tuple[str, str]
    empty: tuple[str, str]


async def sniffed(
    chunks: AsyncIterator[bytes], rule: UploadRule, found: list[str]
) -> AsyncIterator[bytes]:
    """The stream as it is, once its first bytes show an accepted type (appended to
    `found`; nothing when `rule.accepted` is None); `BlobTooLarge` past the limit,
    `Refused` naming `rule.field` for another type or an empty file."""
    head = b""
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > rule.max_bytes:
            raise BlobTooLarge(rule.max_bytes)
        if found:
            yield chunk
            continue
        head += chunk
        if len(head) >= SNIFF_BYTES or (rule.accepted is None and head):
            found.append(_accepted(head, rule))
            yield head
    if not found:  # shorter than the bytes sniffed
        if not head:
            raise Refused(rule.field, *rule.empty)
        found.append(_accepted(head, rule))
        yield head


def _accepted(head: bytes, rule: UploadRule) -> str:
    media_type = sniffed_media_type(head)
    if rule.accepted is not None and media_type not in rule.accepted:
        raise Refused(rule.field, *rule.wrong_type)
    return media_type or ""
