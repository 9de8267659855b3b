"""Deposit a document into lockers: validate the form, stream the file, record the event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import msgspec
from ent_contracts import Actor
from ent_contracts.directory_api import RefusedRecipient
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore, BlobTooLarge, put_content_addressed
from ent_kit.problems import Problem, field_error
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader
from ent_kit.uploads import MultipartReader, fields_then_file

from ent_locker.application.ports import RecipientPolicy
from ent_locker.application.projections import USAGE
from ent_locker.application.receipts import ReceiptFields, ReceiptSigner, SignedReceipt
from ent_locker.domain.model import (
    DepositRefused,
    Document,
    checked_file_name,
    checked_recipients,
    recipient_ref,
)

T = TypeVar("T")


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
        self._projector = projector
        self._signer = signer
        self._reads = reads
        self._limits = limits

    async def deposit(self, sender: Identity, form: MultipartReader) -> DepositReceipt:
        fields, file_part = await fields_then_file(form)
        entries = _refused_as_problem(
            lambda: checked_recipients(sender.user_id, _recipient_list(fields))
        )
        refs = _refused_as_problem(lambda: [recipient_ref(e) for e in entries])
        # The directory is the authority: nothing is deposited for a refused recipient.
        verdict = await self._policy.reachable(sender.user_id, refs)
        recipients = [r for r in verdict.allowed if r != sender.user_id]
        if not recipients:
            raise Problem(
                422, "no_allowed_recipients", "Aucun destinataire autorisé", refused=verdict.refused
            )
        file_name = _refused_as_problem(lambda: checked_file_name(file_part.file_name))
        previous = await self._previous_version(sender, fields.get("previous_version_id", []))
        room = await self._room_left(sender.user_id)
        try:
            blob = await put_content_addressed(self._blobs, form.chunks(), max_size=room)
        except BlobTooLarge:
            if room < self._limits.max_document_bytes:
                raise Problem(
                    413,
                    "quota_exceeded",
                    "Quota de dépôt atteint",
                    quota_bytes=self._limits.quota_bytes,
                ) from None
            raise Problem(
                413,
                "document_too_large",
                "Document trop volumineux",
                max_bytes=self._limits.max_document_bytes,
            ) from None
        document = Document(new_event_id())
        _refused_as_problem(
            lambda: document.deposit_into_lockers(
                sender_id=sender.user_id,
                recipient_ids=recipients,
                file_name=file_name,
                media_type=file_part.media_type,
                size=blob.size,
                sha256=blob.sha256,
                blob_key=blob.key,
                at=datetime.now(UTC),
                previous_version_id=previous,
            )
        )
        position = await self._documents.save(document, Actor(kind="user", id=sender.user_id))
        # Read-your-writes: the sender's Historique shows the deposit when we answer.
        await self._projector.caught_up(position)
        assert document.deposit is not None
        signed = self._signer.sign(
            msgspec.convert(msgspec.to_builtins(document.deposit), ReceiptFields)
        )
        return DepositReceipt(
            **msgspec.structs.asdict(signed),
            media_type=file_part.media_type,
            refused=verdict.refused,
        )

    async def _previous_version(self, sender: Identity, values: list[str]) -> str | None:
        """A new version links to an earlier deposit of the same sender."""
        if not values:
            return None
        earlier = await self._documents.get(values[0])
        if (
            earlier is None
            or earlier.deposit is None
            or earlier.deposit.sender_id != sender.user_id
        ):
            raise field_error("previous_version_id", "aucun dépôt antérieur de votre part")
        return values[0]

    async def _room_left(self, user_id: str) -> int:
        usage = await self._reads.get(USAGE, user_id)
        left = self._limits.quota_bytes - (usage["bytes"] if usage else 0)
        return max(0, min(self._limits.max_document_bytes, left))


def _recipient_list(fields: dict[str, list[str]]) -> list[str]:
    # Accept both repeated fields and one comma-separated value.
    return [r for value in fields.get("recipients", []) for r in value.split(",")]


def _refused_as_problem(decide: Callable[[], T]) -> T:
    try:
        return decide()
    except DepositRefused as refused:
        raise field_error(refused.field, refused.message) from None
