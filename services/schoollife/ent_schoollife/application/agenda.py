"""Publishing in the agenda: the direction and the vie scolaire for the whole school or
any of its groups, a teacher for a group they teach. Its author or the school's staff
change or withdraw an item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.errors import Forbidden
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository

from ent_schoollife.application.agenda_queries import AgendaQueries
from ent_schoollife.application.agenda_views import (
    AgendaItemRequest,
    AgendaItemView,
    NewAgendaItem,
)
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.agenda import AgendaItem
from ent_schoollife.domain.people import Person
from ent_schoollife.texts import agenda as texts


class Agenda:
    def __init__(
        self,
        items: Repository[AgendaItem],
        roster: Roster,
        projector: LocalProjector,
        queries: AgendaQueries,
        today: Callable[[], date],
        utc_now: Callable[[], datetime],
    ) -> None:
        self._items = items
        self._roster = roster
        self._projector = projector
        self._queries = queries
        self._today = today
        self._utc_now = utc_now  # audit stamps (wiring.clock.utc_now)

    async def publish(
        self, me: Identity, request: NewAgendaItem, item_id: str | None = None
    ) -> AgendaItemView:
        """`item_id`: a deterministic id (the demo seed); a new one otherwise."""
        viewer = await self._roster.viewer(me)
        school_id = await self._audience_school(viewer, request.group_id)
        content = request.content()
        now = self._utc_now()
        item_id = item_id or f"agenda-{new_event_id()}"
        saved = await self._items.update(
            item_id,
            lambda item: item.publish(school_id, request.group_id, content, viewer.user_id, now),
            me.actor,
            create=True,
        )
        await self._projector.caught_up(saved.position)
        return await self._queries.item(me, item_id)

    async def change(
        self, me: Identity, item_id: str, request: AgendaItemRequest
    ) -> AgendaItemView:
        viewer = await self._roster.viewer(me)
        doc = await self._queries.visible_item(viewer, item_id)
        staff = viewer.sees_school and viewer.school_id == doc["school_id"]
        content = request.content()
        now = self._utc_now()
        saved = await self._items.update(
            item_id,
            lambda item: item.change(content, viewer.user_id, staff=staff, now=now),
            me.actor,
        )
        await self._projector.caught_up(saved.position)
        return await self._queries.item(me, item_id)

    async def withdraw(self, me: Identity, item_id: str) -> None:
        viewer = await self._roster.viewer(me)
        doc = await self._queries.visible_item(viewer, item_id)
        staff = viewer.sees_school and viewer.school_id == doc["school_id"]
        now = self._utc_now()
        saved = await self._items.update(
            item_id, lambda item: item.withdraw(viewer.user_id, staff=staff, now=now), me.actor
        )
        await self._projector.caught_up(saved.position)

    async def _audience_school(self, viewer: Person, group_id: str | None) -> str:
        """The school the item is published in, once the viewer may publish for it."""
        if viewer.sees_school:
            if group_id is None:
                return viewer.school_id
            group = await self._roster.visible_group(viewer, group_id, self._today())
            return group.school_id
        if viewer.profile != "teacher":
            raise Forbidden("", "publishers_only", texts.PUBLISHERS_ONLY)
        if group_id is None:
            raise Forbidden("group_id", "school_items_staff_only", texts.SCHOOL_ITEMS_STAFF_ONLY)
        group = await self._roster.taught_group(viewer, group_id, self._today())
        return group.school_id
