"""What the agenda's commands take and its queries answer: msgspec Structs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from ent_contracts.schoollife.agenda import AgendaItemContent
from ent_kit.wall_clock import WallClock

from ent_schoollife.application.vie_scolaire_views import Id, PersonRef, ref
from ent_schoollife.application.views import GroupView

Kind = Literal["virtual_class", "trip", "meeting", "other"]


class AgendaItemRequest(msgspec.Struct, frozen=True, kw_only=True):
    """An item of the agenda. `group_id`: a class or group (its students, their parents,
    its teachers see it); left out, the whole school (direction and vie scolaire only).
    `link`: an http(s) URL, e.g. a virtual class's room. Times: wall-clock, no zone."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    starts_at: WallClock
    ends_at: WallClock
    place: Annotated[str, msgspec.Meta(max_length=200)] = ""
    link: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    kind: Kind = "other"

    def content(self) -> AgendaItemContent:
        return AgendaItemContent(
            title=self.title,
            description=self.description,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            place=self.place,
            link=self.link,
            kind=self.kind,
        )


class NewAgendaItem(AgendaItemRequest, frozen=True, kw_only=True):
    group_id: Id | None = None


class AgendaItemView(msgspec.Struct, frozen=True, kw_only=True):
    """`group` None: an item of the whole school. `editable`: the caller may change or
    withdraw it (its author, the school's staff)."""

    item_id: str
    group: GroupView | None
    title: str
    description: str
    starts_at: WallClock
    ends_at: WallClock
    place: str
    link: str | None
    kind: str
    published_by: PersonRef
    published_at: datetime
    changed_at: datetime | None
    editable: bool


class AgendaList(msgspec.Struct, frozen=True, kw_only=True):
    """Items overlapping the days `from_day` to `to_day` (both included), by start.
    `truncated`: there were more than the list holds: ask for a shorter period."""

    from_day: date
    to_day: date
    items: list[AgendaItemView]
    truncated: bool = False


def item_view(
    doc: dict[str, Any],
    groups: dict[str, GroupView],
    names: dict[str, str],
    *,
    editable: bool,
) -> AgendaItemView:
    group_id = doc.get("group_id")
    changed_at = doc.get("changed_at")
    return AgendaItemView(
        item_id=doc["id"],
        group=groups.get(group_id) if group_id else None,
        title=doc["title"],
        description=doc["description"],
        starts_at=msgspec.convert(doc["starts_at"], datetime),
        ends_at=msgspec.convert(doc["ends_at"], datetime),
        place=doc["place"],
        link=doc.get("link"),
        kind=doc["kind"],
        published_by=ref(doc["published_by"], names),
        published_at=msgspec.convert(doc["published_at"], datetime),
        changed_at=None if changed_at is None else msgspec.convert(changed_at, datetime),
        editable=editable,
    )
