"""Checks every event store adapter applies to a batch before writing anything.

Shared so that the adapters reject exactly the same batches with the same errors.
"""

from __future__ import annotations

from collections.abc import Sequence

from ent_contracts import Envelope


class DuplicateEventId(ValueError):
    """The event id is already stored (or repeated in the batch): nothing was written.

    A ValueError like every other rejected batch, so callers need no adapter-specific
    exception (the SQLite and MongoDB drivers each raise their own).
    """

    def __init__(self, event_id: str) -> None:
        super().__init__(f"event id {event_id} is already stored")
        self.event_id = event_id


def check_batch(stream_id: str, expected_version: int, events: Sequence[Envelope]) -> None:
    """Raise ValueError unless `events` continue `stream_id` right after `expected_version`."""
    if expected_version < 0:
        raise ValueError("expected version must not be negative")
    # An empty batch has no last position to return; appending nothing is a caller bug.
    if not events:
        raise ValueError("an append needs at least one event")
    seen: set[str] = set()
    for offset, envelope in enumerate(events, start=1):
        if envelope.aggregate_id != stream_id:
            raise ValueError(f"event for {envelope.aggregate_id} appended to stream {stream_id}")
        if envelope.aggregate_version != expected_version + offset:
            raise ValueError("aggregate versions must follow the expected version without gaps")
        if envelope.event_id in seen:
            raise DuplicateEventId(envelope.event_id)
        seen.add(envelope.event_id)
