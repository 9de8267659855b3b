"""The teacher's side of grades: create an evaluation, enter its grades, publish it,
delete it before publication; list a group's evaluations and open the entry sheet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from ent_contracts.schoollife.grades import GradeEntry
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.errors import Forbidden, NotFound
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader, Query

from ent_schoollife.application.grades_projection import EVALUATIONS
from ent_schoollife.application.grades_reading import Row, evaluation_view
from ent_schoollife.application.grades_views import (
    EntrySheet,
    EvaluationPage,
    EvaluationRequest,
    GradesRequest,
    SheetRow,
)
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.views import person_view
from ent_schoollife.domain.evaluation import Evaluation, NewEvaluation
from ent_schoollife.domain.people import Group, Person
from ent_schoollife.texts import grades as texts


class Evaluations:
    def __init__(
        self,
        evaluations: Repository[Evaluation],
        reader: DocumentReader,
        roster: Roster,
        projector: LocalProjector,
        today: Callable[[], date],
        utc_now: Callable[[], datetime],
    ) -> None:
        self._evaluations = evaluations
        self._reader = reader
        self._roster = roster
        self._projector = projector
        self._today = today
        self._utc_now = utc_now  # audit stamps (wiring.clock.utc_now)

    async def create(
        self, me: Identity, request: EvaluationRequest, evaluation_id: str | None = None
    ) -> EntrySheet:
        """A teacher of the group, in a subject they teach (any subject for direction)."""
        viewer = await self._roster.viewer(me)
        group = await self._roster.taught_group(viewer, request.group_id, self._today())
        await check_subject(self._roster, viewer, request.subject, self._today())
        new = _new(group, viewer, request)
        evaluation_id = evaluation_id or new_event_id()
        saved = await self._evaluations.update(
            evaluation_id, lambda e: e.create(new), me.actor, create=True
        )
        await self._projector.caught_up(saved.position)
        return await self.sheet(me, evaluation_id)

    async def publish_graded(
        self, me: Identity, request: EvaluationRequest, grades: GradesRequest, evaluation_id: str
    ) -> None:
        """Create, grade and publish a finished evaluation in one decision and one save,
        with the same checks as the three steps (the demo seed; an import). Again with the
        same id changes nothing."""
        viewer = await self._roster.viewer(me)
        group = await self._roster.taught_group(viewer, request.group_id, self._today())
        await check_subject(self._roster, viewer, request.subject, self._today())
        new, members = _new(group, viewer, request), await self._members(group.group_id)
        entries = [
            GradeEntry(student_id=g.student_id, value=g.value, marker=g.marker)
            for g in grades.grades
        ]
        now = self._utc_now()

        def decide(evaluation: Evaluation) -> None:
            evaluation.create(new)
            evaluation.enter(entries, members, now)
            evaluation.publish(now)

        saved = await self._evaluations.update(evaluation_id, decide, me.actor, create=True)
        await self._projector.caught_up(saved.position)

    async def enter(self, me: Identity, evaluation_id: str, request: GradesRequest) -> EntrySheet:
        row, _ = await self._writable(me, evaluation_id)
        members = await self._members(row["group_id"])
        grades = [
            GradeEntry(student_id=g.student_id, value=g.value, marker=g.marker)
            for g in request.grades
        ]
        now = self._utc_now()
        saved = await self._evaluations.update(
            evaluation_id, lambda e: e.enter(grades, members, now), me.actor
        )
        await self._projector.caught_up(saved.position)
        return await self.sheet(me, evaluation_id)

    async def publish(self, me: Identity, evaluation_id: str) -> EntrySheet:
        await self._writable(me, evaluation_id)
        now = self._utc_now()
        saved = await self._evaluations.update(evaluation_id, lambda e: e.publish(now), me.actor)
        await self._projector.caught_up(saved.position)
        return await self.sheet(me, evaluation_id)

    async def delete(self, me: Identity, evaluation_id: str) -> None:
        await self._writable(me, evaluation_id)
        saved = await self._evaluations.update(evaluation_id, lambda e: e.delete(), me.actor)
        await self._projector.caught_up(saved.position)

    # --- teacher views ------------------------------------------------------------------
    async def of_group(
        self, me: Identity, group_id: str, mine: bool, cursor: str | None, limit: int
    ) -> EvaluationPage:
        """The group's evaluations, newest first (`mine`: only those the caller created)."""
        viewer = await self._roster.viewer(me)
        await staff_group(self._roster, viewer, group_id, self._today())
        where = {"group_id": group_id} | ({"teacher_id": viewer.user_id} if mine else {})
        page = await self._reader.find(
            EVALUATIONS,
            Query(where=where, order_by=[("on", "desc")], limit=limit, after=cursor),
        )
        return EvaluationPage(
            items=[evaluation_view(row) for row in page.items], next_cursor=page.next_cursor
        )

    async def sheet(self, me: Identity, evaluation_id: str) -> EntrySheet:
        """The entry sheet: every student of the group (and any graded who left it)."""
        viewer = await self._roster.viewer(me)
        row = await self._row(evaluation_id)
        await staff_group(self._roster, viewer, row["group_id"], self._today())
        members = await self._roster.students_of(row["group_id"])
        grades: dict[str, float | str] = row["grades"]
        ids = [*members, *sorted(set(grades) - set(members))]
        people = await self._roster.people(ids)
        rows = [
            SheetRow(
                student=person_view(people[student_id]),
                value=None if isinstance(g := grades.get(student_id), str) else g,
                marker=g if isinstance(g, str) else None,
                in_group=student_id in members,
            )
            for student_id in ids
            if student_id in people
        ]
        rows.sort(key=lambda r: (not r.in_group, r.student.display_name))
        return EntrySheet(evaluation=evaluation_view(row), rows=rows)

    # --- helpers ------------------------------------------------------------------------
    async def _row(self, evaluation_id: str) -> Row:
        row = await self._reader.get(EVALUATIONS, evaluation_id)
        if row is None:
            raise NotFound("evaluation_id", "evaluation_not_found", texts.EVALUATION_NOT_FOUND)
        return row

    async def _writable(self, me: Identity, evaluation_id: str) -> tuple[Row, Person]:
        """The evaluation, if the caller teaches its group and its subject (or created
        it, or is the direction): a substitute grades the replaced teacher's subject."""
        viewer = await self._roster.viewer(me)
        row = await self._row(evaluation_id)
        if row["school_id"] != viewer.school_id:
            raise NotFound("evaluation_id", "evaluation_not_found", texts.EVALUATION_NOT_FOUND)
        await self._roster.taught_group(viewer, row["group_id"], self._today())
        if row["teacher_id"] != viewer.user_id:
            await check_subject(self._roster, viewer, row["subject"], self._today())
        return row, viewer

    async def _members(self, group_id: str) -> dict[str, str]:
        ids = await self._roster.students_of(group_id)
        people = await self._roster.people(ids)
        return {i: people[i].display_name if i in people else i for i in ids}


async def check_subject(roster: Roster, viewer: Person, subject: str, on: date) -> None:
    """A teacher grades the subjects the directory lists for them (all, when it lists
    none and they replace nobody) and, while they replace a teacher, that teacher's; the
    direction any. A substitute listed with no subject of their own grades the replaced
    teacher's subjects only, never those of the group's other teachers."""
    if viewer.is_direction or subject in viewer.subjects:
        return
    replaced = [
        await roster.person(substitution.replaced_id)
        for substitution in await roster.substitutions_by(viewer.user_id)
        if substitution.covers(on)
    ]
    if not viewer.subjects and not replaced:
        return
    for teacher in replaced:
        if teacher is not None and (not teacher.subjects or subject in teacher.subjects):
            return
    raise Forbidden("subject", "not_your_subject", texts.NOT_YOUR_SUBJECT)


async def staff_group(roster: Roster, viewer: Person, group_id: str, on: date) -> Group:
    """A group whose evaluations the viewer may read as staff: its teachers, direction and
    vie scolaire of its school (404 for another school, 403 for other teachers)."""
    if viewer.sees_school:
        return await roster.visible_group(viewer, group_id, on)
    if viewer.profile != "teacher":
        raise Forbidden("group_id", "staff_only", texts.STAFF_ONLY)
    return await roster.taught_group(viewer, group_id, on)


def _new(group: Group, teacher: Person, request: EvaluationRequest) -> NewEvaluation:
    return NewEvaluation(
        school_id=group.school_id,
        group_id=group.group_id,
        teacher_id=teacher.user_id,
        subject=request.subject,
        on=request.on,
        title=request.title,
        out_of=request.out_of,
        coefficient=request.coefficient,
        brought_to_20=request.brought_to_20,
        optional=request.optional,
        bonus=request.bonus,
    )
