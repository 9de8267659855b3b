"""Agenda HTTP API: items of a school or of a class (a virtual class with its link, a trip,
a meeting), published by the staff or a group's teachers, read by its students and their
parents."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from ent_kit.controllers import AnyRequest
from litestar import Controller, delete, get, post, put
from litestar.params import Parameter

from ent_schoollife.application.agenda import Agenda
from ent_schoollife.application.agenda_queries import AgendaQueries
from ent_schoollife.application.agenda_views import (
    AgendaItemRequest,
    AgendaItemView,
    AgendaList,
    NewAgendaItem,
)

From = Annotated[date | None, Parameter(query="from", description="First day (today if left out)")]
To = Annotated[
    date | None,
    Parameter(
        query="to",
        description="Last day, included (30 days after `from` if left out; 92 days at most)",
    ),
]
PERIOD = "Items overlapping the period, by start. "


class AgendaController(Controller):
    path = "/schoollife/agenda"
    tags = ["schoollife"]

    @get(
        "/",
        summary="My agenda: a student's (a parent's child's), a teacher's, the school's",
        description=PERIOD + "A student or a parent (`student_id` for one of several "
        "children): the items of the school and of the student's classes and groups. A "
        "teacher: the school's and those of the groups they teach. The direction and the "
        "vie scolaire: every item of the school. Teachers and staff may name a `student_id` "
        "they follow to see that student's agenda.",
    )
    async def agenda(
        self,
        request: AnyRequest,
        agenda_queries: AgendaQueries,
        student_id: str | None = None,
        first: From = None,
        last: To = None,
    ) -> AgendaList:
        return await agenda_queries.agenda(request.user, student_id, first, last)

    @get(
        "/upcoming",
        summary="A student's agenda items of the coming days (for the home page)",
        description="From today to `days` days after (7 if left out), as `GET /agenda`.",
    )
    async def upcoming(
        self,
        request: AnyRequest,
        agenda_queries: AgendaQueries,
        student_id: str | None = None,
        days: Annotated[int, Parameter(ge=0, le=31)] = 7,
    ) -> AgendaList:
        return await agenda_queries.upcoming(request.user, student_id, days)

    @get(
        "/groups/{group_id:str}",
        summary="A class's or group's agenda, with the school's items",
        description=PERIOD + "For the group's students and their parents, its teachers and "
        "the school's staff; anyone else: 404.",
    )
    async def of_group(
        self,
        request: AnyRequest,
        agenda_queries: AgendaQueries,
        group_id: str,
        first: From = None,
        last: To = None,
    ) -> AgendaList:
        return await agenda_queries.of_group(request.user, group_id, first, last)

    @get("/items/{item_id:str}", summary="One agenda item I see")
    async def item(
        self, request: AnyRequest, agenda_queries: AgendaQueries, item_id: str
    ) -> AgendaItemView:
        return await agenda_queries.item(request.user, item_id)

    @post(
        "/items",
        status_code=201,
        summary="Publish an agenda item for the school or a class",
        description="Without `group_id`: the whole school (direction and vie scolaire; 403 "
        "`school_items_staff_only` for teachers). With one: any group of the school for the "
        "staff, a group they teach for a teacher (403 `not_teaching`). Parents and students: "
        "403. `link` must be an http(s) URL (400 naming `link`).",
    )
    async def publish(
        self, request: AnyRequest, data: NewAgendaItem, agenda: Agenda
    ) -> AgendaItemView:
        return await agenda.publish(request.user, data)

    @put(
        "/items/{item_id:str}",
        summary="Change an agenda item (its author, the school's staff)",
        description="Its audience stays. Someone who sees it but is neither: 403 `not_yours`.",
    )
    async def change(
        self, request: AnyRequest, data: AgendaItemRequest, agenda: Agenda, item_id: str
    ) -> AgendaItemView:
        return await agenda.change(request.user, item_id, data)

    @delete(
        "/items/{item_id:str}",
        status_code=204,
        summary="Withdraw an agenda item (its author, the school's staff)",
    )
    async def withdraw(self, request: AnyRequest, agenda: Agenda, item_id: str) -> None:
        await agenda.withdraw(request.user, item_id)
