"""A draft (Brouillon): saved whole on every autosave, with optimistic concurrency, until
it is sent or discarded. Pure rules."""

from __future__ import annotations

from ent_contracts import DomainEvent
from ent_contracts.mail import DraftDiscarded, DraftEnd, DraftSaved
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Conflict, NotFound

from ent_mail import texts


def draft_stream(draft_id: str) -> str:
    return f"draft:{draft_id}"


class Draft(Aggregate):
    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.draft_id = stream_id.removeprefix("draft:")
        self.content: DraftSaved | None = None
        self.ended: DraftEnd | None = None

    def when(self, event: DomainEvent) -> None:
        match event:
            case DraftSaved():
                self.content = event
            case DraftDiscarded():
                self.ended = event.reason

    def owned_by(self, user_id: str) -> DraftSaved:
        """The current content, for its owner only (NotFound for anyone else, or once ended)."""
        if self.content is None or self.content.owner_id != user_id or self.ended is not None:
            raise NotFound("draft_id", "draft_not_found", texts.DRAFT_NOT_FOUND)
        return self.content

    def save(self, content: DraftSaved, expected_version: int | None) -> int:
        """A whole new content; returns the draft's version once saved. `expected_version`
        is the version the client last read: an autosave from a stale tab gets Conflict
        and never overwrites newer text."""
        if self.content is not None:
            self.owned_by(content.owner_id)
        if expected_version is not None and expected_version != self.version:
            raise Conflict("version", "draft_stale", texts.DRAFT_STALE, version=self.version)
        self.trigger(content)
        return self.version + len(self.pending())

    def end(self, owner_id: str, reason: DraftEnd) -> None:
        self.owned_by(owner_id)
        self.trigger(DraftDiscarded(draft_id=self.draft_id, owner_id=owner_id, reason=reason))
