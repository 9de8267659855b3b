"""Writing the report cards of a class for a term: teachers' appreciations, the main
teacher's general ones, and the direction's publication, which freezes the averages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Protocol

from ent_kit.auth import Identity
from ent_kit.errors import Forbidden, NotFound, Refused
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository

from ent_schoollife import texts as common
from ent_schoollife.application.evaluations import check_subject
from ent_schoollife.application.report_card_views import (
    AppreciationRequest,
    GeneralAppreciationRequest,
    Publication,
)
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.averages import ClassAverages
from ent_schoollife.domain.people import Group, Person
from ent_schoollife.domain.report_cards import (
    ClassReportCards,
    Scope,
    StudentAverages,
    SubjectAverages,
    report_cards_id,
)
from ent_schoollife.domain.terms import Term
from ent_schoollife.texts import report_cards as texts


class TermsReader(Protocol):
    async def by_id(self, school_id: str, term_id: str, day: date) -> Term: ...


class ClassGrades(Protocol):
    """The averages of a class's students over a term, from the published grades."""

    async def class_term_averages(
        self, school_id: str, student_ids: Sequence[str], term: Term
    ) -> ClassAverages: ...


class ReportCardScopes:
    """Finds the class and the term a request names, as the roster and the terms say."""

    def __init__(self, roster: Roster, terms: TermsReader) -> None:
        self.roster = roster
        self._terms = terms

    async def class_of_school(self, viewer: Person, class_id: str) -> Group:
        group = await self.roster.group(class_id)
        if group is None or group.school_id != viewer.school_id:
            raise NotFound("class_id", "group_not_found", common.GROUP_NOT_FOUND)
        if not group.is_class:
            raise Refused("class_id", "not_a_class", texts.CLASS_ONLY)
        return group

    async def scope(self, group: Group, term_id: str, today: date) -> Scope:
        term = await self._terms.by_id(group.school_id, term_id, today)
        return Scope(school_id=group.school_id, class_id=group.group_id, term=term)

    async def students(self, group: Group) -> list[str]:
        """The class's students (members who are students, not anyone else listed)."""
        people = await self.roster.people(await self.roster.students_of(group.group_id))
        return sorted(p.user_id for p in people.values() if p.profile == "student")


class ReportCardCommands:
    def __init__(
        self,
        cards: Repository[ClassReportCards],
        scopes: ReportCardScopes,
        grades: ClassGrades,
        projector: LocalProjector,
        today: Callable[[], date],
        utc_now: Callable[[], datetime],
    ) -> None:
        self._cards = cards
        self._scopes = scopes
        self._roster = scopes.roster
        self._grades = grades
        self._projector = projector
        self._today = today
        self._utc_now = utc_now  # audit stamps (wiring.clock.utc_now)

    async def write_appreciation(
        self, me: Identity, class_id: str, term_id: str, data: AppreciationRequest
    ) -> None:
        """A teacher of the class (or of the student in another group of theirs, e.g.
        Latin), in one of their subjects."""
        viewer, today = await self._roster.viewer(me), self._today()
        if viewer.profile != "teacher":
            raise Forbidden("", "not_teaching", texts.TEACHERS_ONLY)
        group = await self._scopes.class_of_school(viewer, class_id)
        student_id = await self._student_of(group, data.student_id)
        if not await self._teaches_student(viewer, group, student_id, today):
            raise Forbidden("class_id", "not_teaching", common.NOT_TEACHING)
        subject = _subject(viewer, data.subject)
        await check_subject(self._roster, viewer, subject, today)  # a substitute: theirs
        scope = await self._scopes.scope(group, term_id, today)
        await self._save(
            scope,
            lambda c: c.write_appreciation(scope, student_id, subject, viewer.user_id, data.text),
            me,
        )

    async def write_general(
        self, me: Identity, class_id: str, term_id: str, data: GeneralAppreciationRequest
    ) -> None:
        """The class's main teacher only."""
        viewer, today = await self._roster.viewer(me), self._today()
        group = await self._scopes.class_of_school(viewer, class_id)
        if group.main_teacher_id is None or group.main_teacher_id != viewer.user_id:
            raise Forbidden("", "main_teacher_only", texts.MAIN_TEACHER_ONLY)
        student_id = await self._student_of(group, data.student_id)
        scope = await self._scopes.scope(group, term_id, today)
        await self._save(
            scope, lambda c: c.write_general(scope, student_id, viewer.user_id, data.text), me
        )

    async def publish(self, me: Identity, class_id: str, term_id: str) -> Publication:
        """The direction, after the class council: every student's report card, with the
        averages computed now from the published grades."""
        viewer, today = await self._roster.viewer(me), self._today()
        if not viewer.is_direction:
            raise Forbidden("", "direction_only", common.DIRECTION_ONLY)
        group = await self._scopes.class_of_school(viewer, class_id)
        scope = await self._scopes.scope(group, term_id, today)
        students = await self._scopes.students(group)
        averages = frozen_averages(
            await self._grades.class_term_averages(scope.school_id, students, scope.term),
            students,
        )
        now = self._utc_now()
        await self._save(scope, lambda c: c.publish(scope, averages, now), me)
        return Publication(
            class_id=class_id, term_id=term_id, report_cards=len(students), published_at=now
        )

    async def _save(
        self, scope: Scope, decide: Callable[[ClassReportCards], None], me: Identity
    ) -> None:
        aggregate_id = report_cards_id(scope.class_id, scope.term.term_id)
        saved = await self._cards.update(aggregate_id, decide, me.actor, create=True)
        await self._projector.caught_up(saved.position)

    async def _student_of(self, group: Group, student_id: str) -> str:
        if student_id not in await self._scopes.students(group):
            raise Refused("student_id", "not_in_class", texts.NOT_A_STUDENT_OF_CLASS)
        return student_id

    async def _teaches_student(
        self, viewer: Person, group: Group, student_id: str, today: date
    ) -> bool:
        if await self._roster.teaches(viewer, group.group_id, today):
            return True
        taught = set(await self._roster.group_ids_taught(viewer.user_id, today))
        return bool(taught & set(await self._roster.group_ids_of(student_id)))


def _subject(viewer: Person, asked: str | None) -> str:
    """The subject an appreciation is for: one the teacher teaches. As for grades
    (`evaluations.check_subject`, which the caller applies next), a teacher the directory
    lists no subject for may write in any subject, naming it, unless they replace a
    teacher: then in the replaced teacher's subjects only."""
    if asked is None:
        if len(viewer.subjects) == 1:
            return viewer.subjects[0]
        raise Refused("subject", "subject_required", texts.SUBJECT_REQUIRED)
    if viewer.subjects and asked not in viewer.subjects:
        raise Refused("subject", "not_your_subject", texts.NOT_YOUR_SUBJECT)
    return asked


def frozen_averages(found: ClassAverages, students: Sequence[str]) -> dict[str, StudentAverages]:
    """Per student, what the report card keeps: their subject averages beside the class's
    (mean, lowest, highest of the students' averages), their overall and the class's."""
    frozen = {}
    for student_id in students:
        own = found.students.get(student_id)
        subjects = {}
        for subject, average in (own.subjects if own else {}).items():
            summary = found.subjects.get(subject)
            subjects[subject] = SubjectAverages(
                student=average,
                class_average=summary.average if summary else None,
                minimum=summary.minimum if summary else None,
                maximum=summary.maximum if summary else None,
            )
        frozen[student_id] = StudentAverages(
            subjects=subjects,
            overall=own.overall if own else None,
            class_overall=found.overall,
        )
    return frozen
