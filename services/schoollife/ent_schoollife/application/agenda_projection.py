"""The agenda's read model: one row per item still published, by audience (`school` for
an item of the whole school, else its group's id) and start."""

from __future__ import annotations

from typing import Any

import msgspec
from ent_contracts import DomainEvent, Envelope
from ent_contracts.schoollife.agenda import (
    AgendaItemChanged,
    AgendaItemContent,
    AgendaItemPublished,
    AgendaItemWithdrawn,
)
from ent_kit.storage import DocumentWriter, update_fields

AGENDA_ITEMS = "agenda_items"
SCHOOL_AUDIENCE = "school"

AGENDA_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (AGENDA_ITEMS, ("school_id", "audience", "starts_at")),
    (AGENDA_ITEMS, ("school_id", "starts_at")),
)


def audience(group_id: str | None) -> str:
    return SCHOOL_AUDIENCE if group_id is None else group_id


class AgendaProjection:
    name = "agenda"
    collections = (AGENDA_ITEMS,)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case AgendaItemPublished():
                row = {
                    "school_id": event.school_id,
                    "group_id": event.group_id,
                    "audience": audience(event.group_id),
                    **_content(event.content),
                    "published_by": event.published_by,
                    "published_at": event.published_at,
                    "changed_at": None,
                }
                await tx.put(AGENDA_ITEMS, event.item_id, row)
            case AgendaItemChanged():
                changes = {**_content(event.content), "changed_at": event.changed_at}
                await update_fields(tx, AGENDA_ITEMS, event.item_id, **changes)
            case AgendaItemWithdrawn():
                await tx.delete(AGENDA_ITEMS, event.item_id)


def _content(content: AgendaItemContent) -> dict[str, Any]:
    row: dict[str, Any] = msgspec.to_builtins(content)
    row.setdefault("link", None)
    return row
