"""Competency evaluations: the teacher creates one (items), assesses students on the four
levels, publishes it; the student (or parent) consults those of the term."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ent_contracts.schoollife.grades import CompetencyAssessment
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.errors import NotFound
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader, Query, Range, find_all

from ent_schoollife.application.evaluations import check_subject, staff_group
from ent_schoollife.application.grades_projection import COMPETENCIES
from ent_schoollife.application.grades_views import (
    AssessmentsRequest,
    CompetencyEvaluationRequest,
    CompetencyEvaluationView,
    CompetencyItemView,
    CompetencyPage,
    CompetencySheet,
    CompetencySheetRow,
    StudentCompetencies,
    term_view,
)
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.terms import Terms
from ent_schoollife.application.views import person_view
from ent_schoollife.domain.competencies import CompetencyEvaluation, NewCompetencyEvaluation
from ent_schoollife.texts import grades as texts

Row = dict[str, Any]


class Competencies:
    def __init__(
        self,
        evaluations: Repository[CompetencyEvaluation],
        reader: DocumentReader,
        roster: Roster,
        terms: Terms,
        projector: LocalProjector,
        today: Callable[[], date],
        utc_now: Callable[[], datetime],
    ) -> None:
        self._evaluations = evaluations
        self._reader = reader
        self._roster = roster
        self._terms = terms
        self._projector = projector
        self._today = today
        self._utc_now = utc_now  # audit stamps (wiring.clock.utc_now)

    async def create(
        self, me: Identity, request: CompetencyEvaluationRequest, evaluation_id: str | None = None
    ) -> CompetencySheet:
        viewer = await self._roster.viewer(me)
        group = await self._roster.taught_group(viewer, request.group_id, self._today())
        await check_subject(self._roster, viewer, request.subject, self._today())
        new = NewCompetencyEvaluation(
            school_id=group.school_id,
            group_id=group.group_id,
            teacher_id=viewer.user_id,
            subject=request.subject,
            on=request.on,
            title=request.title,
            items=request.items,
        )
        evaluation_id = evaluation_id or new_event_id()
        saved = await self._evaluations.update(
            evaluation_id, lambda e: e.create(new), me.actor, create=True
        )
        await self._projector.caught_up(saved.position)
        return await self.sheet(me, evaluation_id)

    async def assess(
        self, me: Identity, evaluation_id: str, request: AssessmentsRequest
    ) -> CompetencySheet:
        row = await self._writable(me, evaluation_id)
        ids = await self._roster.students_of(row["group_id"])
        people = await self._roster.people(ids)
        members = {i: people[i].display_name if i in people else i for i in ids}
        assessments = [
            CompetencyAssessment(student_id=a.student_id, item_id=a.item_id, level=a.level)
            for a in request.assessments
        ]
        saved = await self._evaluations.update(
            evaluation_id, lambda e: e.assess(assessments, members), me.actor
        )
        await self._projector.caught_up(saved.position)
        return await self.sheet(me, evaluation_id)

    async def publish(self, me: Identity, evaluation_id: str) -> CompetencySheet:
        await self._writable(me, evaluation_id)
        now = self._utc_now()
        saved = await self._evaluations.update(evaluation_id, lambda e: e.publish(now), me.actor)
        await self._projector.caught_up(saved.position)
        return await self.sheet(me, evaluation_id)

    async def of_group(
        self, me: Identity, group_id: str, cursor: str | None, limit: int
    ) -> CompetencyPage:
        viewer = await self._roster.viewer(me)
        await staff_group(self._roster, viewer, group_id, self._today())
        page = await self._reader.find(
            COMPETENCIES,
            Query(
                where={"group_id": group_id}, order_by=[("on", "desc")], limit=limit, after=cursor
            ),
        )
        return CompetencyPage(
            items=[_view(row, None) for row in page.items], next_cursor=page.next_cursor
        )

    async def sheet(self, me: Identity, evaluation_id: str) -> CompetencySheet:
        viewer = await self._roster.viewer(me)
        row = await self._row(evaluation_id)
        await staff_group(self._roster, viewer, row["group_id"], self._today())
        ids = await self._roster.students_of(row["group_id"])
        people = await self._roster.people(ids)
        rows = [
            CompetencySheetRow(student=person_view(people[i]), levels=row["levels"].get(i, {}))
            for i in ids
            if i in people
        ]
        rows.sort(key=lambda r: r.student.display_name)
        return CompetencySheet(evaluation=_view(row, None), rows=rows)

    async def of_student(
        self, me: Identity, student_id: str | None, term_id: str | None
    ) -> StudentCompetencies:
        """The student's published competency evaluations of the term, newest first."""
        today = self._today()
        viewer = await self._roster.viewer(me)
        student = await self._roster.followed_student(viewer, student_id, today)
        term = (
            await self._terms.by_id(student.school_id, term_id, today)
            if term_id
            else await self._terms.current(student.school_id, today)
        )
        found: list[Row] = []
        for group_id in await self._roster.group_ids_of(student.user_id):
            query = Query(
                where={"group_id": group_id, "published": True},
                ranges={"on": Range(gte=term.starts_on.isoformat(), lte=term.ends_on.isoformat())},
                order_by=[("on", "desc")],
                limit=1000,
            )
            found.extend([doc async for doc in find_all(self._reader, COMPETENCIES, query)])
        found.sort(key=lambda row: (row["on"], row["id"]), reverse=True)
        return StudentCompetencies(
            student=person_view(student),
            term=term_view(term),
            evaluations=[_view(row, student.user_id) for row in found],
        )

    async def _row(self, evaluation_id: str) -> Row:
        row = await self._reader.get(COMPETENCIES, evaluation_id)
        if row is None:
            raise NotFound("evaluation_id", "evaluation_not_found", texts.EVALUATION_NOT_FOUND)
        return row

    async def _writable(self, me: Identity, evaluation_id: str) -> Row:
        viewer = await self._roster.viewer(me)
        row = await self._row(evaluation_id)
        if row["school_id"] != viewer.school_id:
            raise NotFound("evaluation_id", "evaluation_not_found", texts.EVALUATION_NOT_FOUND)
        await self._roster.taught_group(viewer, row["group_id"], self._today())
        if row["teacher_id"] != viewer.user_id:
            await check_subject(self._roster, viewer, row["subject"], self._today())
        return row


def _view(row: Row, student_id: str | None) -> CompetencyEvaluationView:
    """The evaluation; with a student, each item carries that student's level."""
    levels: dict[str, str] = row["levels"].get(student_id, {}) if student_id else {}
    return CompetencyEvaluationView(
        evaluation_id=row["id"],
        group_id=row["group_id"],
        subject=row["subject"],
        on=date.fromisoformat(row["on"]),
        title=row["title"],
        published=row["published"],
        items=[
            CompetencyItemView(
                item_id=i["item_id"], label=i["label"], level=levels.get(i["item_id"])
            )
            for i in row["items"]
        ],
    )
