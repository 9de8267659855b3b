"""How many messages and drafts use each attachment content, kept by the mailbox
projection in its own transactions: when the count falls to zero the content becomes a
candidate for deletion (`ent_kit.blob_sweep`), swept once nothing uses it again. A fresh
upload keeps its content for UPLOAD_KEPT, time enough to name it in a draft or a send."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ent_kit.blob_sweep import mark_candidate
from ent_kit.blobs import content_key
from ent_kit.storage import DocumentReader, DocumentWriter, Query, Range

from ent_mail.application.attachments_projection import ATTACHMENTS, UPLOAD_KEPT

CONTENT_USES = "content_uses"


def shas(attachments: Iterable[Any]) -> set[str]:
    """The contents of a list of attachments (Structs or their stored builtins)."""
    return {a["sha256"] if isinstance(a, dict) else a.sha256 for a in attachments}


async def use(tx: DocumentWriter, contents: Iterable[str], delta: int, at: datetime) -> None:
    for sha256 in contents:
        key = content_key(sha256)
        doc = await tx.get(CONTENT_USES, key) or {"count": 0}
        count = max(0, doc["count"] + delta)
        await tx.put(CONTENT_USES, key, {"count": count})
        if count == 0:
            await mark_candidate(tx, key, at)


async def in_use(reader: DocumentReader, blob_key: str) -> bool:
    """Used by a message or a draft, or uploaded recently (and maybe about to be)."""
    uses = await reader.get(CONTENT_USES, blob_key)
    if uses is not None and uses["count"] > 0:
        return True
    recent = Query(
        where={"blob_key": blob_key},
        ranges={"stored_at": Range(gt=datetime.now(UTC) - UPLOAD_KEPT)},
        limit=1,
    )
    return bool((await reader.find(ATTACHMENTS, recent)).items)
