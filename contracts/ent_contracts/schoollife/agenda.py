"""Events of school life: the agenda. Items of a whole school (`group_id` None) or of one
class or group: a virtual class with its link, a trip, a meeting. Times are the school's
wall-clock time, naive."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

import msgspec

from ent_contracts.registry import register
from ent_contracts.schoollife.base import SchoollifeEvent

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=5000)]
Place = Annotated[str, msgspec.Meta(max_length=200)]
Link = Annotated[str, msgspec.Meta(max_length=2000)]


class AgendaItemContent(msgspec.Struct, frozen=True, kw_only=True):
    """What an item says. `kind` is one of `virtual_class`, `trip`, `meeting`, `other`;
    `link` an http(s) URL (a virtual class's room) or None."""

    title: Title
    description: Description = ""
    starts_at: datetime
    ends_at: datetime
    place: Place = ""
    link: Link | None = None
    kind: str


@register
class AgendaItemPublished(SchoollifeEvent, frozen=True, kw_only=True):
    """An item appeared in the agenda of a school (`group_id` None: everyone of the school)
    or of a class or group (its students and their parents, its teachers)."""

    event_type: ClassVar[str] = "schoollife.AgendaItemPublished"
    item_id: str
    school_id: str
    group_id: str | None = None
    content: AgendaItemContent
    published_by: str
    published_at: datetime


@register
class AgendaItemChanged(SchoollifeEvent, frozen=True, kw_only=True):
    """An item's content was replaced (its audience stays)."""

    event_type: ClassVar[str] = "schoollife.AgendaItemChanged"
    item_id: str
    content: AgendaItemContent
    changed_by: str
    changed_at: datetime


@register
class AgendaItemWithdrawn(SchoollifeEvent, frozen=True, kw_only=True):
    """An item was taken out of the agenda: nobody sees it any more."""

    event_type: ClassVar[str] = "schoollife.AgendaItemWithdrawn"
    item_id: str
    withdrawn_by: str
    withdrawn_at: datetime
