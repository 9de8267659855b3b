"""The transfers read model, kept from the transfer's own events."""

from __future__ import annotations

from ent_contracts import DomainEvent, Envelope
from ent_contracts.transfer import (
    TransferCompleted,
    TransferCreated,
    TransferDeleted,
    TransferDownloaded,
    TransferExpired,
    TransferFileUploaded,
)
from ent_kit.storage import DocumentWriter, update_fields

TRANSFERS = "transfers"  # one row per transfer: the sender's list, the link's page
# Transfers that ended (expired, deleted) whose bytes the expiry job has yet to delete; it
# removes each row once done (a rebuild queues them all again: deleting twice is harmless).
PURGE_QUEUE = "transfer_purge_queue"

UPLOADING, READY, EXPIRED, DELETED = "uploading", "ready", "expired", "deleted"
ALIVE = (UPLOADING, READY)


class TransferProjection:
    name = "transfers"
    collections = (TRANSFERS, PURGE_QUEUE)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case TransferCreated():
                await tx.put(
                    TRANSFERS,
                    event.transfer_id,
                    {
                        "sender_id": event.sender_id,
                        "state": UPLOADING,
                        # The sender's list pages through the living ones only.
                        "alive": True,
                        "files": [
                            {
                                "file_id": f.file_id,
                                "path": f.path,
                                "size": f.size,
                                "media_type": f.media_type,
                                "blob_key": None,
                            }
                            for f in event.files
                        ],
                        "total_bytes": event.total_bytes,
                        "message": event.message,
                        "password_protected": event.password_protected,
                        "download_limit": event.download_limit,
                        "downloads": 0,
                        "created_at": event.created_at,
                        "expires_at": event.expires_at,
                        "ended_at": None,
                        "link_sha256": event.link_sha256,
                    },
                )
            case TransferFileUploaded():
                doc = await tx.get(TRANSFERS, event.transfer_id)
                if doc is not None:
                    for file in doc["files"]:
                        if file["file_id"] == event.file_id:
                            file["blob_key"] = event.blob_key
                    await tx.put(TRANSFERS, event.transfer_id, doc)
            case TransferCompleted():
                await update_fields(tx, TRANSFERS, event.transfer_id, state=READY)
            case TransferDownloaded():
                doc = await tx.get(TRANSFERS, event.transfer_id)
                if doc is not None:
                    await tx.put(
                        TRANSFERS, event.transfer_id, {**doc, "downloads": doc["downloads"] + 1}
                    )
            case TransferExpired():
                await update_fields(
                    tx,
                    TRANSFERS,
                    event.transfer_id,
                    state=EXPIRED,
                    alive=False,
                    ended_at=event.expired_at,
                )
                await tx.put(PURGE_QUEUE, event.transfer_id, {"since": event.expired_at})
            case TransferDeleted():
                await update_fields(
                    tx,
                    TRANSFERS,
                    event.transfer_id,
                    state=DELETED,
                    alive=False,
                    ended_at=event.deleted_at,
                )
                await tx.put(PURGE_QUEUE, event.transfer_id, {"since": event.deleted_at})
