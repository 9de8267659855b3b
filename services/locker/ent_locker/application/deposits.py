"""Deposit a document into lockers: check the form, stream the file, record the event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from ent_contracts.directory_api import RefusedRecipient
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.blobs import BlobInfo, BlobStore, BlobTooLarge, IncomingFile, put_content_addressed
from ent_kit.errors import Refused, TooLarge
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader

from ent_locker import texts
from ent_locker.application.ports import RecipientPolicy
from ent_locker.application.projections import USAGE
from ent_locker.application.receipts import ReceiptFields, ReceiptSigner, SignedReceipt
from ent_locker.domain.model import Document, StoredFile, checked_file_name
from ent_locker.domain.recipients import checked_recipients, lockers_of


@dataclass(frozen=True, kw_only=True)
class DepositForm:
    """A deposit as the sender filled it in; the file's body is still unread."""

    recipients: list[str]  # user ids, or audiences (`group:<id>:<role>`)
    previous_version_id: str | None = None  # an earlier deposit of mine this one replaces
    file: IncomingFile


class DepositReceipt(SignedReceipt, frozen=True, kw_only=True):
    """The signed receipt, plus what the sender needs to see at once."""

    media_type: str
    refused: list[RefusedRecipient] = []  # recipients the directory refused, with the reason


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    max_document_bytes: int
    quota_bytes: int  # total a user may have deposited (purged deposits give it back)


class DepositService:
    def __init__(
        self,
        documents: Repository[Document],
        policy: RecipientPolicy,
        blobs: BlobStore,
        projector: LocalProjector,
        signer: ReceiptSigner,
        reads: DocumentReader,
        limits: Limits,
    ) -> None:
        self._documents = documents
        self._policy = policy
        self._blobs = blobs
        self._projector = projector  # the Casier's read models, waited for before answering
        self._signer = signer
        self._reads = reads
        self._limits = limits

    async def deposit(self, sender: Identity, form: DepositForm) -> DepositReceipt:
        """Every field is checked, and the directory asked, before a byte is stored."""
        chosen = checked_recipients(sender.user_id, form.recipients)
        file_name = checked_file_name(form.file.file_name)
        previous = await self._previous_version(sender, form.previous_version_id)
        # The directory is the authority: nothing is deposited for a refused recipient, and
        # nothing is stored when nobody is left.
        verdict = await self._policy.reachable(sender.user_id, chosen)
        lockers = lockers_of(sender.user_id, verdict.allowed, verdict.refused)
        blob = await self._store(sender, form.file)
        file = StoredFile(
            file_name=file_name,
            media_type=form.file.media_type,
            size=blob.size,
            sha256=blob.sha256,
            blob_key=blob.key,
        )
        saved = await self._documents.update(
            new_event_id(),
            lambda document: document.deposit_into_lockers(
                sender_id=sender.user_id,
                recipient_ids=lockers,
                file=file,
                at=datetime.now(UTC),
                previous_version_id=previous,
            ),
            sender.actor,
            create=True,
        )
        # Read-your-writes: the sender's Historique shows the deposit when we answer.
        await self._projector.caught_up(saved.position)
        fields = msgspec.convert(msgspec.to_builtins(saved.result), ReceiptFields)
        return DepositReceipt(
            **msgspec.structs.asdict(self._signer.sign(fields)),
            media_type=form.file.media_type,
            refused=verdict.refused,
        )

    async def room_left(self, user_id: str) -> int:
        """Bytes the next deposit may have: the size limit, or what is left of the quota."""
        usage = await self._reads.get(USAGE, user_id)
        left = self._limits.quota_bytes - (usage["bytes"] if usage else 0)
        return max(0, min(self._limits.max_document_bytes, left))

    async def _store(self, sender: Identity, file: IncomingFile) -> BlobInfo:
        room = await self.room_left(sender.user_id)
        try:
            return await put_content_addressed(self._blobs, file.chunks, max_size=room)
        except BlobTooLarge:
            if room < self._limits.max_document_bytes:
                raise TooLarge(
                    "file",
                    "quota_exceeded",
                    texts.QUOTA_EXCEEDED,
                    quota_bytes=self._limits.quota_bytes,
                ) from None
            raise TooLarge(
                "file",
                "document_too_large",
                texts.DOCUMENT_TOO_LARGE,
                max_bytes=self._limits.max_document_bytes,
            ) from None

    async def _previous_version(self, sender: Identity, document_id: str | None) -> str | None:
        """A new version links to an earlier deposit of the same sender."""
        if document_id is None:
            return None
        earlier = await self._documents.get(document_id)
        if earlier is None or not earlier.is_deposit_of(sender.user_id):
            raise Refused("previous_version_id", "not_your_deposit", texts.NO_EARLIER_DEPOSIT)
        return document_id
