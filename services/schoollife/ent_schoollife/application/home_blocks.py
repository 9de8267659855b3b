"""The home page's school-life blocks in one read (the gateway's `GET /api/home` asks this
once per page instead of once per block): each block answered as its own route would, so
that one refused or failing block does not take the others with it. A parent's page asks
for every child's blocks at once: the children and their blocks in one call, not the
list of children first and each child's blocks after it."""

from __future__ import annotations

from typing import Any, Literal

from ent_kit.auth import Identity

from ent_schoollife.application.agenda_queries import AgendaQueries
from ent_schoollife.application.grades_consultation import GradesConsultation
from ent_schoollife.application.notebook_queries import NotebookQueries
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.timetable_queries import TimetableQueries
from ent_schoollife.domain.people import Person

HomeBlock = Literal["homework", "lessons", "grades", "agenda"]
HOME_BLOCKS: tuple[HomeBlock, ...] = ("homework", "lessons", "grades", "agenda")
UPCOMING_DAYS = 7  # the agenda block: today and the week after


class HomeBlocks:
    def __init__(
        self,
        notebook: NotebookQueries,
        timetable: TimetableQueries,
        grades: GradesConsultation,
        agenda: AgendaQueries,
        roster: Roster,
    ) -> None:
        self._roster = roster
        self._notebook = notebook
        self._timetable = timetable
        self._grades = grades
        self._agenda = agenda

    async def children(self, me: Identity) -> list[Person]:
        """The caller's children, as the child switch lists them (none but a parent's)."""
        viewer = await self._roster.viewer(me)
        if viewer.profile != "parent":
            return []
        return await self._roster.children(viewer.user_id)

    async def block(
        self, block: HomeBlock, me: Identity, student_id: str | None, latest: int
    ) -> Any:
        """What the block's own route answers (`GET /schoollife/notebook/due-this-week`,
        `…/timetable/day`, `…/grades/latest`, `…/agenda/upcoming`); its refusals alike."""
        match block:
            case "homework":
                return await self._notebook.due_this_week(me, student_id)
            case "lessons":
                return await self._timetable.day(me, self._timetable.today(), student_id)
            case "grades":
                return await self._grades.latest(me, student_id, latest)
            case "agenda":
                return await self._agenda.upcoming(me, student_id, UPCOMING_DAYS)
