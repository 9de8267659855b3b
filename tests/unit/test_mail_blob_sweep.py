"""Attachment contents are deleted once no message and no draft uses them (and a fresh
upload has had its day): the kit's blob sweep, with the mailbox projection's use counts."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
from ent_contracts.mail import AttachmentRef
from ent_kit.blob_sweep import BLOB_CANDIDATES, mark_candidate, sweep_unreferenced_blobs
from ent_kit.blobs import BlobStore, content_key, open_blob_store
from ent_kit.storage import Query
from ent_mail.application import content_uses
from ent_mail.application.attachments_projection import ATTACHMENTS
from ent_mail.application.forms import DraftForm, MessageForm
from kit_fixtures import storage
from mail_fixtures import PARENT, TEACHER, Mail, mail

__all__ = ["mail", "storage"]


async def uploaded(mail: Mail, blobs: BlobStore, content: bytes, *, age: timedelta) -> str:
    """An upload of the teacher's, `age` old (its attachment document as the projection
    writes it), its content in the blob store."""
    sha256 = hashlib.sha256(content).hexdigest()

    async def chunks():  # type: ignore[no-untyped-def]
        yield content

    await blobs.put(content_key(sha256), chunks())
    ref = AttachmentRef(
        attachment_id=f"a-{sha256[:8]}",
        name="Sujet.pdf",
        media_type="application/pdf",
        size=len(content),
        sha256=sha256,
    )
    async with mail.storage.documents.transaction() as tx:
        await tx.put(
            ATTACHMENTS,
            ref.attachment_id,
            {
                "owner_id": TEACHER.user_id,
                "ref": msgspec.to_builtins(ref),
                "blob_key": content_key(sha256),
                "stored_at": datetime.now(UTC) - age,
            },
        )
        await mark_candidate(tx, content_key(sha256), datetime.now(UTC) - age)
    return ref.attachment_id


async def sweep(mail: Mail, blobs: BlobStore) -> int:
    docs = mail.storage.documents
    async with docs.transaction() as tx:  # every candidate eligible now (no grace here)
        for doc in (await docs.find(BLOB_CANDIDATES, Query(limit=1000))).items:
            await tx.put(BLOB_CANDIDATES, doc["id"], {"since": datetime(2000, 1, 1, tzinfo=UTC)})
    return await sweep_unreferenced_blobs(docs, blobs, timedelta(0), content_uses.in_use)


async def test_content_goes_when_its_last_message_is_purged_and_not_before(
    mail: Mail, tmp_path: Path
) -> None:
    blobs = open_blob_store(f"file://{tmp_path}/blobs")
    old = timedelta(days=2)
    attachment = await uploaded(mail, blobs, b"%PDF sujet", age=old)
    key = content_key(hashlib.sha256(b"%PDF sujet").hexdigest())
    message = await mail.send(attachment_ids=[attachment])
    draft = await mail.drafts.create(TEACHER, MessageForm(attachment_ids=[attachment]))

    assert await sweep(mail, blobs) == 0  # a candidate since its upload; a message uses it
    assert await blobs.exists(key)
    await mail.drafts.save(TEACHER, draft.draft_id, DraftForm(version=draft.version))
    await mail.mailbox.trash(PARENT, [message])
    await mail.mailbox.delete(PARENT, [message])
    assert await sweep(mail, blobs) == 0  # the sender's copy still holds the message
    await mail.mailbox.trash(TEACHER, [message])
    await mail.mailbox.delete(TEACHER, [message])

    assert await sweep(mail, blobs) == 1
    assert not await blobs.exists(key)
    assert await mail.storage.documents.get("messages", message) is None


async def test_a_fresh_upload_keeps_its_content_for_a_day(mail: Mail, tmp_path: Path) -> None:
    blobs = open_blob_store(f"file://{tmp_path}/blobs")
    fresh = await uploaded(mail, blobs, b"%PDF frais", age=timedelta(hours=1))
    stale = await uploaded(mail, blobs, b"%PDF ancien", age=timedelta(days=3))
    assert await sweep(mail, blobs) == 1
    assert await blobs.exists(content_key(hashlib.sha256(b"%PDF frais").hexdigest()))
    assert not await blobs.exists(content_key(hashlib.sha256(b"%PDF ancien").hexdigest()))
    assert fresh != stale
