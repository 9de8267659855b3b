"""Events of the Casier (locker) domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

import msgspec

from ent_contracts import topics
from ent_contracts.envelope import DomainEvent
from ent_contracts.registry import register

Sha256 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]


class LockerEvent(DomainEvent, frozen=True, kw_only=True):
    """Base of every event on the locker's topic (Casier and Mes documents)."""

    topic: ClassVar[str] = topics.LOCKER


@register
class DocumentDeposited(LockerEvent, frozen=True, kw_only=True):
    """A document was deposited into one or more lockers. Immutable from then on."""

    event_type: ClassVar[str] = "locker.DocumentDeposited"
    document_id: str
    sender_id: str
    recipient_ids: list[str]
    file_name: str
    media_type: str
    size: Annotated[int, msgspec.Meta(ge=1)]
    sha256: Sha256
    blob_key: str
    deposited_at: datetime
    previous_version_id: str | None = None


@register
class DocumentTrashed(LockerEvent, frozen=True, kw_only=True):
    """One owner (a recipient's Mon casier, or the sender's Historique) put it in the trash.
    Other owners' copies are untouched: nobody deletes from someone else's locker."""

    event_type: ClassVar[str] = "locker.DocumentTrashed"
    document_id: str
    owner_id: str
    trashed_at: datetime


@register
class DocumentRestored(LockerEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "locker.DocumentRestored"
    document_id: str
    owner_id: str


@register
class DocumentPurged(LockerEvent, frozen=True, kw_only=True):
    """Gone for good from one owner's trash: deleted by them, or by the retention period."""

    event_type: ClassVar[str] = "locker.DocumentPurged"
    document_id: str
    owner_id: str
    reason: Literal["deleted", "retention"]


DepositLimitName = Literal[
    "deposits_per_hour", "deposits_per_day", "recipients_per_hour", "recipients_per_day"
]


@register
class DepositLimitReached(LockerEvent, frozen=True, kw_only=True):
    """A sender hit a deposit limit (the March 2024 mass sendings from hijacked accounts):
    nothing was deposited. Operators alert on it; the directory counts them and freezes
    an account that keeps hitting limits."""

    event_type: ClassVar[str] = "locker.DepositLimitReached"
    sender_id: str
    limit: DepositLimitName
    allowed: int
    attempted: int
