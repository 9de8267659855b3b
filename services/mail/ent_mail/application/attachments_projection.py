"""Attachments' read models, kept from the Messagerie's own log (a local projection).

- `attachments`: one document per upload, by attachment id: its owner and its
  `AttachmentRef` (as builtins), what a send or a draft resolves `attachment_ids` with.
- `quarantined`: one document per content the antivirus condemned, by SHA-256: every
  attachment with those bytes, in any message, is no longer served.
"""

from __future__ import annotations

import msgspec
from ent_contracts import DomainEvent, Envelope
from ent_contracts.mail import AttachmentQuarantined, AttachmentStored
from ent_kit.storage import DocumentWriter

ATTACHMENTS = "attachments"
QUARANTINED = "quarantined"


class AttachmentsProjection:
    name = "attachments"
    collections = (ATTACHMENTS, QUARANTINED)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case AttachmentStored():
                await tx.put(
                    ATTACHMENTS,
                    event.attachment.attachment_id,
                    {
                        "owner_id": event.owner_id,
                        "ref": msgspec.to_builtins(event.attachment),
                        "stored_at": envelope.occurred_at,
                    },
                )
            case AttachmentQuarantined():
                await tx.put(QUARANTINED, event.sha256, {"signature": event.signature})
