"""Attachments: an upload (or a file of the caller's Mes documents) streamed into the blob
store once per content, scanned from there, recorded; and the download of an attachment
of a message the caller holds, unless its content was quarantined."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

import msgspec
from ent_contracts.mail import AttachmentRef
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.blobs import (
    BlobInfo,
    BlobStore,
    BlobTooLarge,
    Download,
    IncomingFile,
    content_key,
    put_content_addressed,
)
from ent_kit.errors import NotFound, Refused, TooLarge
from ent_kit.logging import get_logger
from ent_kit.peers import PeerUnavailable
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader

from ent_mail import texts
from ent_mail.application.attachments_projection import QUARANTINED
from ent_mail.application.mailbox_projection import COPIES, MESSAGES, copy_id
from ent_mail.application.ports import Antivirus, ScannerUnavailable, ScanResult, StreamTooLarge
from ent_mail.application.workspace_port import WorkspaceFiles
from ent_mail.domain.attachment import (
    Attachment,
    Content,
    Source,
    attachment_stream,
    checked_name,
    content_stream,
    media_type,
)
from ent_mail.domain.composition import MAX_ATTACHMENT_BYTES
from ent_mail.domain.mailbox import INBOX, SENT

log = get_logger("ent.mail.attachments")
UNNAMED_SIGNATURE = "unknown"  # a scanner that says "infected" without naming what


class AttachmentService:
    def __init__(
        self,
        attachments: Repository[Attachment],
        contents: Repository[Content],
        blobs: BlobStore,
        antivirus: Antivirus,
        workspace: WorkspaceFiles,
        reader: DocumentReader,
        projector: LocalProjector,
    ) -> None:
        self._attachments = attachments
        self._contents = contents
        self._blobs = blobs
        self._antivirus = antivirus
        self._workspace = workspace
        self._reader = reader
        self._projector = projector  # the attachments' read models, waited for before answering

    async def upload(self, me: Identity, file: IncomingFile) -> AttachmentRef:
        """The name is checked before a byte is stored; the content is scanned once stored."""
        name = checked_name(file.file_name)
        blob = await self._put(file.chunks)
        return await self._record(me, name, media_type(file.media_type), blob, "upload")

    async def from_workspace(self, me: Identity, item_id: str, authorization: str) -> AttachmentRef:
        """A file of the caller's Mes documents, read from the locker with their own rights."""
        # The locker's answer stays open only while its body streams into the blob store,
        # not during the scan.
        async with self._workspace.open(item_id, authorization) as file:
            name = checked_name(file.file_name)
            blob = await self._put(file.chunks)
            declared = media_type(file.media_type)
        return await self._record(me, name, declared, blob, "workspace")

    async def download(self, me: Identity, message_id: str, attachment_id: str) -> Download:
        """An attachment of a message the caller holds; a quarantined content never is."""
        ref = await self._attachment_of(me, message_id, attachment_id)
        if await self._reader.get(QUARANTINED, ref.sha256) is not None:
            raise NotFound("attachment_id", "attachment_removed", texts.ATTACHMENT_REMOVED)
        return Download(
            file_name=ref.name,
            media_type=ref.media_type,
            size=ref.size,
            sha256=ref.sha256,
            blob_key=content_key(ref.sha256),
            blobs=self._blobs,
        )

    async def _put(self, chunks: AsyncIterator[bytes]) -> BlobInfo:
        try:
            return await put_content_addressed(
                self._blobs, _not_empty(chunks), max_size=MAX_ATTACHMENT_BYTES
            )
        except BlobTooLarge:
            raise TooLarge(
                "file",
                "attachment_too_large",
                texts.ATTACHMENT_TOO_LARGE.format(max_mb=MAX_ATTACHMENT_BYTES // (1024 * 1024)),
                max_bytes=MAX_ATTACHMENT_BYTES,
            ) from None

    async def _record(
        self, me: Identity, name: str, declared: str, blob: BlobInfo, source: Source
    ) -> AttachmentRef:
        verdict = await self._scan(blob)
        ref = AttachmentRef(
            attachment_id=new_event_id(),
            name=name,
            media_type=declared,
            size=blob.size,
            sha256=blob.sha256,
        )
        position = 0
        if verdict.infected:
            # Quarantine first: should the process die in between, the content is
            # condemned and no attachment names it, never the other way round.
            position = await self._quarantine(me, blob.sha256, verdict)
        attachment = Attachment(attachment_stream(ref.attachment_id))
        attachment.store(me.user_id, ref, source)
        position = max(position, await self._attachments.save(attachment, me.actor))
        # Read-your-writes: a send naming this attachment right after finds it.
        await self._projector.caught_up(position)
        return ref

    async def _scan(self, blob: BlobInfo) -> ScanResult:
        """The stored bytes, streamed from the blob store to the scanner. No verdict is
        never taken as clean: the upload fails and may be tried again."""
        chunks = self._blobs.get(blob.key)
        try:
            return await self._antivirus.scan(chunks)
        except ScannerUnavailable as unavailable:
            raise PeerUnavailable(f"antivirus: {unavailable}") from unavailable
        except StreamTooLarge as refused:
            # clamd's StreamMaxLength is below our own limit: a setting to fix, logged.
            log.warning("antivirus refused an attachment's size", error=str(refused))
            raise TooLarge("file", "attachment_unscannable", texts.ATTACHMENT_UNSCANNABLE) from None
        finally:
            # A scanner that stops at the first finding leaves the read unfinished: release
            # the file (or the S3 connection) now rather than at garbage collection.
            if isinstance(chunks, AsyncGenerator):
                await chunks.aclose()

    async def _quarantine(self, me: Identity, sha256: str, verdict: ScanResult) -> int:
        signature = verdict.signature or UNNAMED_SIGNATURE
        log.warning("attachment quarantined", sha256=sha256, signature=signature)
        saved = await self._contents.update(
            content_stream(sha256),
            lambda content: content.quarantine(sha256, signature),
            me.actor,
            create=True,
        )
        return saved.position

    async def _attachment_of(
        self, me: Identity, message_id: str, attachment_id: str
    ) -> AttachmentRef:
        """Unknown message, not the caller's, or not listing it: the same NotFound."""
        missing = NotFound("attachment_id", "attachment_not_found", texts.ATTACHMENT_NOT_FOUND)
        copies = [copy_id(message_id, me.user_id, home) for home in (INBOX, SENT)]
        if not await self._reader.existing(COPIES, copies):
            raise missing
        message = await self._reader.get(MESSAGES, message_id)
        if message is None:
            raise missing
        listed = msgspec.convert(message.get("attachments", []), list[AttachmentRef])
        ref = next((a for a in listed if a.attachment_id == attachment_id), None)
        if ref is None:
            raise missing
        return ref


async def _not_empty(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The stream as it is, refused at its end when it had no byte at all. Raised inside
    the stream, so that the blob store drops what it started."""
    empty = True
    async for chunk in chunks:
        if chunk:
            empty = False
            yield chunk
    if empty:
        raise Refused("file", "empty_file", texts.EMPTY_FILE)
