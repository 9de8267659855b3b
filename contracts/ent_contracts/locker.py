"""Events of the Casier (locker) domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

import msgspec

from ent_contracts import topics
from ent_contracts.envelope import DomainEvent
from ent_contracts.registry import register

Sha256 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]


@register
class DocumentDeposited(DomainEvent, frozen=True, kw_only=True):
    """A document was deposited into one or more lockers. Immutable from then on."""

    event_type: ClassVar[str] = "locker.DocumentDeposited"
    topic: ClassVar[str] = topics.LOCKER

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
