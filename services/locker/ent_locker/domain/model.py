"""The Casier: documents deposited into other users' lockers. Pure rules, no I/O.

A deposit is immutable once made; a new version is a new document linked to the first.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Literal

from ent_contracts import DomainEvent
from ent_contracts.directory_api import Recipient
from ent_contracts.locker import (
    DocumentDeposited,
    DocumentPurged,
    DocumentRestored,
    DocumentTrashed,
)
from ent_kit.aggregate import Aggregate

MAX_RECIPIENTS = 200
MAX_FILE_NAME = 255


class DocumentNotFound(LookupError):
    """No such document in this user's lockers (or not theirs)."""


class DepositRefused(ValueError):
    """A rule of the Casier forbids this deposit; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def checked_file_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise DepositRefused("file", "le nom du fichier est vide")
    if len(name) > MAX_FILE_NAME:
        raise DepositRefused("file", f"le nom du fichier dépasse {MAX_FILE_NAME} caractères")
    if any(c in "/\\" or unicodedata.category(c) == "Cc" for c in name) or name in {".", ".."}:
        raise DepositRefused("file", "le nom du fichier contient des caractères interdits")
    return name


def checked_recipients(sender_id: str, entries: list[str]) -> list[str]:
    """The recipients as chosen (users or groups), before the directory expands groups."""
    unique = list(dict.fromkeys(r.strip() for r in entries if r.strip()))
    if not unique:
        raise DepositRefused("recipients", "au moins un destinataire est requis")
    if len(unique) > MAX_RECIPIENTS:
        raise DepositRefused("recipients", f"au plus {MAX_RECIPIENTS} destinataires")
    if sender_id in unique:
        raise DepositRefused("recipients", "on ne dépose pas dans son propre casier")
    return unique


def recipient_ref(entry: str) -> Recipient:
    """`<user id>`, or `group:<group id>:<role>` for an audience (e.g. a class's students)."""
    try:
        return Recipient.parse(entry)
    except ValueError as malformed:
        raise DepositRefused("recipients", str(malformed)) from None


OwnerState = Literal["active", "trashed", "purged"]


class Document(Aggregate):
    """One deposit, as each of its owners holds it: the sender (Historique) and every
    recipient (Mon casier) each move their own copy to the trash, back, or out for good."""

    def __init__(self, document_id: str) -> None:
        super().__init__(document_id)
        self.deposit: DocumentDeposited | None = None
        self.owners: dict[str, OwnerState] = {}
        self.trashed_at: dict[str, datetime] = {}

    def trash(self, owner_id: str, at: datetime) -> bool:
        """False when already in that owner's trash (a repeated click changes nothing)."""
        state = self._state_of(owner_id)
        if state == "trashed":
            return False
        self.trigger(DocumentTrashed(document_id=self.id, owner_id=owner_id, trashed_at=at))
        return True

    def restore(self, owner_id: str) -> bool:
        if self._state_of(owner_id) != "trashed":
            return False
        self.trigger(DocumentRestored(document_id=self.id, owner_id=owner_id))
        return True

    def purge(self, owner_id: str, reason: Literal["deleted", "retention"]) -> None:
        """Definitive delete: only from the trash, so nothing disappears in one click."""
        if self._state_of(owner_id) != "trashed":
            raise DepositRefused("document_ids", "seul un document de la corbeille se supprime")
        self.trigger(DocumentPurged(document_id=self.id, owner_id=owner_id, reason=reason))

    def fully_purged(self) -> bool:
        return bool(self.owners) and all(s == "purged" for s in self.owners.values())

    def _state_of(self, owner_id: str) -> OwnerState:
        state = self.owners.get(owner_id)
        # Not yours and unknown answer alike: no probing of other people's lockers.
        if state is None or state == "purged":
            raise DocumentNotFound(self.id)
        return state

    def deposit_into_lockers(
        self,
        *,
        sender_id: str,
        recipient_ids: list[str],
        file_name: str,
        media_type: str,
        size: int,
        sha256: str,
        blob_key: str,
        at: datetime,
        previous_version_id: str | None = None,
    ) -> None:
        if self.deposit is not None:
            raise DepositRefused("document", "un document déposé ne peut pas être modifié")
        if size < 1:
            raise DepositRefused("file", "le fichier est vide")
        lockers = [r for r in dict.fromkeys(recipient_ids) if r != sender_id]
        if not lockers:
            raise DepositRefused("recipients", "aucun destinataire autorisé")
        self.trigger(
            DocumentDeposited(
                document_id=self.id,
                sender_id=sender_id,
                recipient_ids=lockers,
                file_name=checked_file_name(file_name),
                media_type=media_type,
                size=size,
                sha256=sha256,
                blob_key=blob_key,
                deposited_at=at,
                previous_version_id=previous_version_id,
            )
        )

    def when(self, event: DomainEvent) -> None:
        match event:
            case DocumentDeposited():
                self.deposit = event
                self.owners = dict.fromkeys([event.sender_id, *event.recipient_ids], "active")
            case DocumentTrashed():
                self.owners[event.owner_id] = "trashed"
                self.trashed_at[event.owner_id] = event.trashed_at
            case DocumentRestored():
                self.owners[event.owner_id] = "active"
            case DocumentPurged():
                self.owners[event.owner_id] = "purged"
