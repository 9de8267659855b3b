"""Who am I to school life: the parent's child switch, the teacher's groups."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest
from litestar import Controller, get

from ent_schoollife.application.people import People
from ent_schoollife.application.views import MeView


class PeopleController(Controller):
    path = "/schoollife"
    tags = ["schoollife"]

    @get(
        "/me",
        summary="Me, my children (the child switch) or the groups I teach",
        description="A parent passes one child's `user_id` as `student_id` to every "
        "consultation (timetable, notebook, grades, absences); with one child it may be "
        "left out.",
    )
    async def me(self, request: AnyRequest, people: People) -> MeView:
        return await people.me(request.user)
