"""Deposit a document into lockers: check the form, stream the file, record the event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from ent_contracts.directory_api import RefusedRecipient
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore, IncomingFile
from ent_kit.errors import Refused
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository

from ent_locker import texts
from ent_locker.application.ports import RecipientPolicy
from ent_locker.application.quota import Quota, store_in
from ent_locker.application.receipts import ReceiptFields, ReceiptSigner, SignedReceipt
from ent_locker.application.send_limits import DepositLimits
from ent_locker.domain.model import Document, StoredFile, checked_file_name
from ent_locker.domain.recipients import checked_recipients, lockers_of


@dataclass(frozen=True, kw_only=True)
class DepositForm:
    """A deposit as the sender filled it in; the file's body is still unread."""

    recipients: list[str]  # user ids, or audiences (`group:<id>:<role>`)
    previous_version_id: str | None = None  # an earlier deposit of mine this one replaces
    file: IncomingFile
    # At most this many bytes (the request's Content-Length): the room reserved for the
    # file is no larger. None: the size limit.
    size_hint: int | None = None


class DepositReceipt(SignedReceipt, frozen=True, kw_only=True):
    """The signed receipt, plus what the sender needs to see at once."""

    media_type: str
    refused: list[RefusedRecipient] = []  # recipients the directory refused, with the reason


class DepositService:
    def __init__(
        self,
        documents: Repository[Document],
        policy: RecipientPolicy,
        blobs: BlobStore,
        projector: LocalProjector,
        signer: ReceiptSigner,
        quota: Quota,
        max_document_bytes: int,
        sender_limits: DepositLimits | None = None,
    ) -> None:
        self._documents = documents
        self._policy = policy
        self._blobs = blobs
        self._projector = projector  # the Casier's read models, waited for before answering
        self._signer = signer
        self._quota = quota  # a new version is a new file: it counts again
        self._max_bytes = max_document_bytes
        self._sender_limits = sender_limits  # deposits and people per hour and day

    async def deposit(self, sender: Identity, form: DepositForm) -> DepositReceipt:
        """Every field is checked, and the directory asked, before a byte is stored."""
        chosen = checked_recipients(sender.user_id, form.recipients)
        file_name = checked_file_name(form.file.file_name)
        previous = await self._previous_version(sender, form.previous_version_id)
        # The directory is the authority: nothing is deposited for a refused recipient, and
        # nothing is stored when nobody is left.
        verdict = await self._policy.reachable(sender.user_id, chosen)
        lockers = lockers_of(sender.user_id, verdict.allowed, verdict.refused)
        if self._sender_limits is not None:
            # Counted on the people the audiences stand for; before a byte is stored.
            await self._sender_limits.check(sender, lockers, datetime.now(UTC))
        wanted = min(form.size_hint or self._max_bytes, self._max_bytes)
        # The room stays reserved until the quota's read model counts the deposit.
        async with self._quota.holding(sender.user_id, wanted, field="file") as room:
            blob = await store_in(self._blobs, form.file, room, self._max_bytes)
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
        if self._sender_limits is not None:
            await self._sender_limits.caught_up(saved.position)  # counts for the next one
        fields = msgspec.convert(msgspec.to_builtins(saved.result), ReceiptFields)
        return DepositReceipt(
            **msgspec.structs.asdict(self._signer.sign(fields)),
            media_type=form.file.media_type,
            refused=verdict.refused,
        )

    async def _previous_version(self, sender: Identity, document_id: str | None) -> str | None:
        """A new version links to an earlier deposit of the same sender."""
        if document_id is None:
            return None
        earlier = await self._documents.get(document_id)
        if earlier is None or not earlier.is_deposit_of(sender.user_id):
            raise Refused("previous_version_id", "not_your_deposit", texts.NO_EARLIER_DEPOSIT)
        return document_id
