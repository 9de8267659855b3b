"""The Casier: documents deposited into other users' lockers. Pure rules, no I/O.

A deposit is immutable once made; a new version is a new document linked to the first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from ent_contracts import DomainEvent
from ent_contracts.locker import (
    DocumentDeposited,
    DocumentPurged,
    DocumentRestored,
    DocumentTrashed,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import NotFound, Refused

from ent_locker import texts
from ent_locker.domain.recipients import lockers_of

MAX_FILE_NAME = 255


# Control (Cc), format (Cf: bidi controls, BOM, soft hyphen...) and line or paragraph
# separators (Zl, Zp); ZWNJ and ZWJ are format characters some scripts need in words.
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
_JOINERS = {"\u200c", "\u200d"}


def _forbidden(c: str) -> bool:
    return c in "/\\" or (unicodedata.category(c) in _FORBIDDEN_CATEGORIES and c not in _JOINERS)


def checked_name(name: str, field: str = "file", of: str = texts.OF_FILE) -> str:
    """A file's (or a folder's) name: trimmed, NFC, at most MAX_FILE_NAME characters, no
    path separator, control nor invisible format character (a bidi override
    before `fdp.exe` in `invoicefdp.exe` shows `invoiceexe.pdf`), not `.` or `..`."""
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise Refused(field, "invalid_name", texts.NAME_EMPTY.format(of=of))
    if len(name) > MAX_FILE_NAME:
        raise Refused(field, "invalid_name", texts.NAME_TOO_LONG.format(of=of, max=MAX_FILE_NAME))
    if any(_forbidden(c) for c in name) or name in {".", ".."}:
        raise Refused(field, "invalid_name", texts.NAME_FORBIDDEN.format(of=of))
    return name


def checked_file_name(name: str) -> str:
    return checked_name(name)


@dataclass(frozen=True, kw_only=True)
class StoredFile:
    """A file whose content is in the blob store, as a deposit or an item of Mes documents
    refers to it: passed as one value (the events still spell out its fields)."""

    file_name: str
    media_type: str
    size: int
    sha256: str
    blob_key: str

    def checked(self) -> StoredFile:
        """Not empty, and its name one a file may have (trimmed, NFC)."""
        if self.size < 1:
            raise Refused("file", "empty_file", texts.EMPTY_FILE)
        return replace(self, file_name=checked_file_name(self.file_name))


OwnerState = Literal["active", "trashed", "purged"]


class Document(Aggregate):
    """One deposit, as each of its owners holds it: the sender (Historique) and every
    recipient (Mon casier) each move their own copy to the trash, back, or out for good."""

    def __init__(self, document_id: str) -> None:
        super().__init__(document_id)
        self.deposit: DocumentDeposited | None = None
        self.owners: dict[str, OwnerState] = {}
        self.trashed_at: dict[str, datetime] = {}

    def is_deposit_of(self, sender_id: str) -> bool:
        """Deposited by this sender: only they may link a new version to it."""
        return self.deposit is not None and self.deposit.sender_id == sender_id

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

    def purge(self, owner_id: str, reason: Literal["deleted", "retention"]) -> bool:
        """Definitive delete: only from the trash, so nothing disappears in one click."""
        if self._state_of(owner_id) != "trashed":
            raise Refused("document_ids", "not_in_trash", texts.PURGE_ONLY_FROM_TRASH)
        self.trigger(DocumentPurged(document_id=self.id, owner_id=owner_id, reason=reason))
        return True

    def fully_purged(self) -> bool:
        return bool(self.owners) and all(s == "purged" for s in self.owners.values())

    def _state_of(self, owner_id: str) -> OwnerState:
        state = self.owners.get(owner_id)
        # Not yours and unknown answer alike: no probing of other people's lockers.
        if state is None or state == "purged":
            raise NotFound("document_ids", "document_not_found", texts.DOCUMENT_NOT_FOUND)
        return state

    def deposit_into_lockers(
        self,
        *,
        sender_id: str,
        recipient_ids: list[str],
        file: StoredFile,
        at: datetime,
        previous_version_id: str | None = None,
    ) -> DocumentDeposited:
        if self.deposit is not None:
            raise Refused("document", "immutable", texts.DOCUMENT_IMMUTABLE)
        file = file.checked()
        deposited = DocumentDeposited(
            document_id=self.id,
            sender_id=sender_id,
            recipient_ids=lockers_of(sender_id, recipient_ids),
            file_name=file.file_name,
            media_type=file.media_type,
            size=file.size,
            sha256=file.sha256,
            blob_key=file.blob_key,
            deposited_at=at,
            previous_version_id=previous_version_id,
        )
        self.trigger(deposited)
        return deposited

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
