"""The agenda's read side. A student (or a parent, for a child) sees the items of their
school and of their classes and groups; a teacher those of the school and of the groups
they teach; the direction and the vie scolaire every item of the school. Each list is a
few indexed range queries, one per audience, over a period of at most 92 days."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec
from ent_kit.auth import Identity
from ent_kit.errors import NotFound, Refused
from ent_kit.storage import DocumentReader, Query, Range

from ent_schoollife.application.agenda_projection import AGENDA_ITEMS, SCHOOL_AUDIENCE
from ent_schoollife.application.agenda_views import AgendaItemView, AgendaList, item_view
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.views import group_view
from ent_schoollife.domain.agenda import MAX_DURATION
from ent_schoollife.domain.people import Person
from ent_schoollife.texts import agenda as texts

MAX_DAYS = 92
DEFAULT_DAYS = 30
MAX_ITEMS = 500  # per list: a longer one is cut (`truncated`)


class AgendaQueries:
    def __init__(self, reader: DocumentReader, roster: Roster, today: Callable[[], date]) -> None:
        self._reader = reader
        self._roster = roster
        self._today = today

    async def item(self, me: Identity, item_id: str) -> AgendaItemView:
        viewer = await self._roster.viewer(me)
        doc = await self.visible_item(viewer, item_id)
        return (await self._views(viewer, [doc]))[0]

    async def visible_item(self, viewer: Person, item_id: str) -> dict[str, Any]:
        """An item the viewer sees; anyone else's is a 404, as an unknown one."""
        doc = await self._reader.get(AGENDA_ITEMS, item_id)
        if doc is None or not await self._sees(viewer, doc):
            raise NotFound("item_id", "item_not_found", texts.ITEM_NOT_FOUND)
        return {**doc, "id": item_id}

    async def agenda(
        self, me: Identity, student_id: str | None, first: date | None, last: date | None
    ) -> AgendaList:
        """Mine: a student's or a parent's child's; a teacher's (school and groups taught)
        or the school's for its staff, unless they name a student they follow."""
        viewer = await self._roster.viewer(me)
        first, last = period(first, last, self._today())
        if student_id is None and viewer.profile == "teacher":
            taught = await self._roster.groups_taught(viewer.user_id, self._today())
            audiences = [SCHOOL_AUDIENCE, *(g.group_id for g in taught)]
            return await self._list(viewer, viewer.school_id, audiences, first, last)
        if student_id is None and viewer.sees_school:
            return await self._list(viewer, viewer.school_id, None, first, last)
        student = await self._roster.followed_student(viewer, student_id, self._today())
        audiences = [SCHOOL_AUDIENCE, *await self._roster.group_ids_of(student.user_id)]
        return await self._list(viewer, student.school_id, audiences, first, last)

    async def of_group(
        self, me: Identity, group_id: str, first: date | None, last: date | None
    ) -> AgendaList:
        """A class's or group's agenda, with the school's items: for whoever sees the group."""
        viewer = await self._roster.viewer(me)
        first, last = period(first, last, self._today())
        group = await self._roster.visible_group(viewer, group_id, self._today())
        audiences = [SCHOOL_AUDIENCE, group.group_id]
        return await self._list(viewer, group.school_id, audiences, first, last)

    async def upcoming(self, me: Identity, student_id: str | None, days: int) -> AgendaList:
        """A student's items of the coming days (the home page's): today and `days` after."""
        today = self._today()
        return await self.agenda(me, student_id, today, today + timedelta(days=days))

    # --- helpers ------------------------------------------------------------------------

    async def _list(
        self,
        viewer: Person,
        school_id: str,
        audiences: Sequence[str] | None,
        first: date,
        last: date,
    ) -> AgendaList:
        """Items overlapping the period: those starting in it, or before it (at most
        MAX_DURATION before, the longest an item lasts) and ending after its start."""
        start = datetime.combine(first, time())
        end = datetime.combine(last + timedelta(days=1), time())
        starts = Range(gt=start - MAX_DURATION, lt=end)
        wheres = (
            [{"school_id": school_id}]
            if audiences is None
            else [{"school_id": school_id, "audience": a} for a in dict.fromkeys(audiences)]
        )
        docs: list[dict[str, Any]] = []
        truncated = False
        for where in wheres:
            query = Query(
                where=where,
                ranges={"starts_at": starts},
                order_by=[("starts_at", "asc")],
                limit=MAX_ITEMS + 1,
            )
            page = await self._reader.find(AGENDA_ITEMS, query)
            truncated |= page.next_cursor is not None
            docs += [d for d in page.items if msgspec.convert(d["ends_at"], datetime) > start]
        docs.sort(key=lambda d: (msgspec.convert(d["starts_at"], datetime), d["id"]))
        truncated |= len(docs) > MAX_ITEMS
        items = await self._views(viewer, docs[:MAX_ITEMS])
        return AgendaList(from_day=first, to_day=last, items=items, truncated=truncated)

    async def _sees(self, viewer: Person, doc: dict[str, Any]) -> bool:
        if doc.get("group_id") is None:
            if viewer.school_id == doc["school_id"]:
                return True
            if viewer.profile != "parent":
                return False
            children = await self._roster.children(viewer.user_id)
            return any(child.school_id == doc["school_id"] for child in children)
        try:
            await self._roster.visible_group(viewer, doc["group_id"], self._today())
        except NotFound:
            return False
        return True

    async def _views(self, viewer: Person, docs: list[dict[str, Any]]) -> list[AgendaItemView]:
        group_ids = sorted({d["group_id"] for d in docs if d.get("group_id")})
        groups = {g.group_id: group_view(g) for g in await self._roster.groups(group_ids)}
        authors = await self._roster.people(sorted({d["published_by"] for d in docs}))
        names = {p.user_id: p.display_name for p in authors.values()}
        return [item_view(d, groups, names, editable=editable(viewer, d)) for d in docs]


def editable(viewer: Person, doc: dict[str, Any]) -> bool:
    """Its author, or the staff of its school."""
    staff = viewer.sees_school and viewer.school_id == doc["school_id"]
    return staff or viewer.user_id == str(doc["published_by"])


def period(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """From `first` (today) to `last` (30 days later), both included, 92 days at most."""
    first = first or today
    last = last or first + timedelta(days=DEFAULT_DAYS)
    if last < first:
        raise Refused("to", "range_backwards", texts.RANGE_BACKWARDS)
    if (last - first).days + 1 > MAX_DAYS:
        raise Refused("to", "range_too_long", texts.RANGE_TOO_LONG.format(days=MAX_DAYS))
    return first, last
