"""Shared helpers for the locker's unit tests.

Imported explicitly by the test modules (`from locker_fixtures import ...`), like
`kit_fixtures`.
"""

from __future__ import annotations

from ent_contracts import DomainEvent
from ent_kit.aggregate import Aggregate
from ent_locker.domain.model import Document, StoredFile
from ent_locker.domain.workspace import Workspace

SHA = "ab" * 32


def stored_file(file_name: str = "devoir.pdf", size: int = 42, blob_key: str = "") -> StoredFile:
    """A PDF already in the blob store (its key derived from SHA unless given)."""
    return StoredFile(
        file_name=file_name,
        media_type="application/pdf",
        size=size,
        sha256=SHA,
        blob_key=blob_key or f"sha256/ab/{SHA}",
    )


class Recording(Aggregate):
    """Keeps every event it triggered, saved or not, to rebuild the state from them."""

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.history: list[DomainEvent] = []

    def trigger(self, event: DomainEvent) -> None:
        super().trigger(event)
        self.history.append(event)


class RecordedDocument(Recording, Document):
    pass


class RecordedWorkspace(Recording, Workspace):
    pass
