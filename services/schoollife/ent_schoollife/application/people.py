"""Who the caller is to school life: the child switch of a parent, a teacher's groups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ent_kit.auth import Identity

from ent_schoollife.application.roster import Roster
from ent_schoollife.application.views import ChildView, MeView, group_view, person_view


class People:
    def __init__(self, roster: Roster, today: Callable[[], date]) -> None:
        self._roster = roster
        self._today = today  # the school's day (settings.now), as every area reads it

    async def me(self, identity: Identity) -> MeView:
        viewer = await self._roster.viewer(identity)
        children = []
        if viewer.profile == "parent":
            for child in await self._roster.children(viewer.user_id):
                classes = [group_view(g) for g in await self._roster.classes_of(child.user_id)]
                children.append(
                    ChildView(
                        user_id=child.user_id, display_name=child.display_name, classes=classes
                    )
                )
        own = await self._roster.classes_of(viewer.user_id) if viewer.profile == "student" else []
        taught = []
        if viewer.profile == "teacher":
            taught = await self._roster.groups_taught(viewer.user_id, self._today())
        return MeView(
            user=person_view(viewer),
            classes=[group_view(g) for g in own],
            children=children,
            groups_taught=[group_view(g) for g in taught],
            sees_school=viewer.sees_school,
        )
