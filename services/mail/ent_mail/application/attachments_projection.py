"""Attachments' read models, kept from the Messagerie's own log (a local projection).

- `attachments`: one document per upload, by attachment id: its owner and its
  `AttachmentRef` (as builtins), what a send or a draft resolves `attachment_ids` with.
- `quarantined`: one document per content the antivirus condemned, by SHA-256: every
  attachment with those bytes, in any message, is no longer served.
"""

from __future__ import annotations

from datetime import timedelta

import msgspec
from ent_contracts import DomainEvent, Envelope
from ent_contracts.mail import AttachmentQuarantined, AttachmentStored
from ent_kit.blob_sweep import mark_candidate
from ent_kit.blobs import content_key
from ent_kit.storage import DocumentWriter

ATTACHMENTS = "attachments"
QUARANTINED = "quarantined"
UPLOAD_KEPT = timedelta(days=1)  # an upload's content kept this long for a draft to use it


class AttachmentsProjection:
    name = "attachments"
    collections = (ATTACHMENTS, QUARANTINED)  # its blob candidates are the sweep's

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case AttachmentStored():
                await tx.put(
                    ATTACHMENTS,
                    event.attachment.attachment_id,
                    {
                        "owner_id": event.owner_id,
                        "ref": msgspec.to_builtins(event.attachment),
                        "blob_key": content_key(event.attachment.sha256),
                        "stored_at": envelope.occurred_at,
                    },
                )
                # Unless a draft or a message uses it by then, the content may go.
                await mark_candidate(
                    tx, content_key(event.attachment.sha256), envelope.occurred_at + UPLOAD_KEPT
                )
            case AttachmentQuarantined():
                await tx.put(QUARANTINED, event.sha256, {"signature": event.signature})
