"""The student's and parent's side of grades, computed at the time of consultation: a
term's published grades chronologically or by subject, with the class's average, lowest
and highest grade per evaluation, the student's subject and overall averages and the
class's; the latest published grades (the home page's "dernières notes")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ent_kit.auth import Identity
from ent_kit.storage import DocumentReader, Query

from ent_schoollife.application import grades_cache
from ent_schoollife.application.grades_projection import PUBLISHED_GRADES
from ent_schoollife.application.grades_reading import Evaluated, GradesReader, Row
from ent_schoollife.application.grades_views import (
    GradeLine,
    LatestGrade,
    LatestGrades,
    StudentGrades,
    SubjectLine,
    r2,
    term_view,
)
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.terms import Terms
from ent_schoollife.application.views import person_view
from ent_schoollife.domain.averages import (
    ClassAverages,
    GradedEvaluation,
    StudentAverages,
    class_term_averages,
)
from ent_schoollife.domain.people import Person
from ent_schoollife.domain.terms import Term

MAX_LATEST = 50
_NONE = StudentAverages(student_id="", subjects={}, overall=None)


@dataclass(frozen=True)
class Consulted:
    """What one consultation reads: the student, the term, the published evaluations of
    their groups in it (with their rows), the school's coefficients, the averages."""

    student: Person
    term: Term
    terms: list[Term]
    rows: list[Evaluated]
    coefficients: dict[str, float]
    averages: ClassAverages
    class_overall: float | None


class GradesConsultation:
    def __init__(
        self, reader: DocumentReader, roster: Roster, terms: Terms, today: Callable[[], date]
    ) -> None:
        self._reader = reader
        self._grades = GradesReader(reader)
        self._roster = roster
        self._terms = terms
        self._today = today

    async def chronological(
        self, me: Identity, student_id: str | None, term_id: str | None
    ) -> StudentGrades:
        c = await self._consult(me, student_id, term_id)
        lines = [_line(e, c.student.user_id) for e in c.rows if _has(e.graded, c.student)]
        lines.sort(key=lambda line: (line.on, line.evaluation_id), reverse=True)
        return self._answer(c, grades=lines)

    async def by_subject(
        self, me: Identity, student_id: str | None, term_id: str | None
    ) -> StudentGrades:
        c = await self._consult(me, student_id, term_id)
        mine = c.averages.students.get(c.student.user_id) or _NONE
        per_subject: dict[str, list[GradeLine]] = {}
        for e in c.rows:
            if _has(e.graded, c.student):
                line = _line(e, c.student.user_id)
                per_subject.setdefault(e.graded.subject, []).append(line)
        subjects = []
        for subject in sorted(per_subject):
            summary = c.averages.subjects.get(subject)
            subjects.append(
                SubjectLine(
                    subject=subject,
                    coefficient=c.coefficients.get(subject, 1.0),
                    average=r2(mine.subjects.get(subject)),
                    class_average=r2(summary.average) if summary else None,
                    class_min=r2(summary.minimum) if summary else None,
                    class_max=r2(summary.maximum) if summary else None,
                    grades=per_subject[subject],
                )
            )
        return self._answer(c, subjects=subjects)

    async def latest(self, me: Identity, student_id: str | None, limit: int) -> LatestGrades:
        """The student's most recently published grades, newest first."""
        viewer = await self._roster.viewer(me)
        student = await self._roster.followed_student(viewer, student_id, self._today())
        page = await self._reader.find(
            PUBLISHED_GRADES,
            Query(
                where={"student_id": student.user_id},
                order_by=[("published_at", "desc")],
                limit=min(limit, MAX_LATEST),
            ),
        )
        return LatestGrades(student=person_view(student), items=[_latest(r) for r in page.items])

    # --- the shared reading -------------------------------------------------------------
    async def _consult(
        self, me: Identity, student_id: str | None, term_id: str | None
    ) -> Consulted:
        today = self._today()
        viewer = await self._roster.viewer(me)
        student = await self._roster.followed_student(viewer, student_id, today)
        terms, term = await self._terms.chosen(student.school_id, term_id, today)
        own = await self._roster.group_ids_of(student.user_id)
        classmates, groups = await self._class_of(student, own)
        versions = await self._grades.versions(groups)
        every = await self._grades.evaluated(groups, term, versions)
        coefficients = await self._grades.subject_coefficients(student.school_id)
        evaluations = [e.graded for e in every]
        # Averaged: the class's students over every group they are in (so every classmate
        # sees the same class figures, as the class council and report cards do), never
        # depending on who consults; the class shares one computation (grades_cache).
        population = tuple(classmates)
        key = (
            tuple((g, versions.get(g)) for g in groups),
            term,
            tuple(sorted(coefficients.items())),
            population,
        )
        if all(versions.get(g) for g in groups):
            averages = grades_cache.averages(
                key, lambda: class_term_averages(evaluations, population, term, coefficients)
            )
        else:  # a group without recorded changes: compute, keep nothing
            averages = class_term_averages(evaluations, population, term, coefficients)
        mine = set(own)
        return Consulted(
            student=student,
            term=term,
            terms=terms,
            rows=[e for e in every if e.row["group_id"] in mine],
            coefficients=coefficients,
            averages=averages,
            class_overall=averages.overall,
        )

    async def _class_of(self, student: Person, own: list[str]) -> tuple[list[str], list[str]]:
        """The students averaged with this one (their class's, else themselves alone) and
        every group any of them is in, known again only when memberships change."""
        classes = await self._roster.classes_among(own)
        if not classes:
            return [student.user_id], own
        version = await self._roster.membership_version(student.school_id)

        async def read() -> tuple[list[str], list[str]]:
            students: set[str] = {student.user_id}
            for class_id in classes:
                students.update(await self._roster.students_of(class_id))
            ordered = sorted(students)
            return ordered, sorted(set(own) | set(await self._roster.groups_of_students(ordered)))

        if version is None:
            return await read()
        return await grades_cache.groups((tuple(classes), version), read)

    def _answer(
        self,
        c: Consulted,
        *,
        grades: list[GradeLine] | None = None,
        subjects: list[SubjectLine] | None = None,
    ) -> StudentGrades:
        return StudentGrades(
            student=person_view(c.student),
            term=term_view(c.term),
            terms=[term_view(t) for t in c.terms],
            grades=grades or [],
            subjects=subjects or [],
            overall_average=r2((c.averages.students.get(c.student.user_id) or _NONE).overall),
            class_overall_average=r2(c.class_overall),
        )


def _has(evaluation: GradedEvaluation, student: Person) -> bool:
    return student.user_id in evaluation.grades


def _line(evaluated: Evaluated, student_id: str) -> GradeLine:
    row, evaluation, stats = evaluated.row, evaluated.graded, evaluated.stats
    grade = evaluation.grades.get(student_id)
    return GradeLine(
        evaluation_id=evaluation.evaluation_id,
        subject=evaluation.subject,
        on=evaluation.on,
        title=row["title"],
        out_of=evaluation.out_of,
        coefficient=evaluation.coefficient,
        brought_to_20=evaluation.brought_to_20,
        optional=evaluation.optional,
        bonus=evaluation.bonus,
        value=None if grade is None or isinstance(grade, str) else grade,
        marker=grade if isinstance(grade, str) else None,
        class_average=r2(stats.average),
        class_min=stats.minimum,
        class_max=stats.maximum,
    )


def _latest(row: Row) -> LatestGrade:
    grade = row["grade"]
    return LatestGrade(
        evaluation_id=row["evaluation_id"],
        subject=row["subject"],
        on=date.fromisoformat(row["on"]),
        title=row["title"],
        out_of=row["out_of"],
        value=None if isinstance(grade, str) else grade,
        marker=grade if isinstance(grade, str) else None,
        published_at=row["published_at"],
    )
