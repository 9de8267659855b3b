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

from ent_schoollife.application.grades_projection import PUBLISHED_GRADES
from ent_schoollife.application.grades_reading import GradesReader, Row, graded
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
from ent_schoollife.application.terms import Terms, choose
from ent_schoollife.application.views import person_view
from ent_schoollife.domain.averages import (
    ClassAverages,
    GradedEvaluation,
    class_term_averages,
    evaluation_stats,
    mean,
)
from ent_schoollife.domain.people import Person
from ent_schoollife.domain.terms import Term

MAX_LATEST = 50


@dataclass(frozen=True)
class Consulted:
    """What one consultation reads: the student, the term, the published evaluations of
    their groups in it (with their rows), the school's coefficients, the averages."""

    student: Person
    term: Term
    terms: list[Term]
    rows: list[tuple[Row, GradedEvaluation]]
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
        lines = [_line(row, e, c.student.user_id) for row, e in c.rows if _has(e, c.student)]
        lines.sort(key=lambda line: (line.on, line.evaluation_id), reverse=True)
        return self._answer(c, grades=lines)

    async def by_subject(
        self, me: Identity, student_id: str | None, term_id: str | None
    ) -> StudentGrades:
        c = await self._consult(me, student_id, term_id)
        mine = c.averages.students[c.student.user_id]
        per_subject: dict[str, list[GradeLine]] = {}
        for row, e in c.rows:
            if _has(e, c.student):
                per_subject.setdefault(e.subject, []).append(_line(row, e, c.student.user_id))
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
        terms = await self._terms.of_school(student.school_id, today)
        term = choose(terms, term_id, today)
        rows: list[tuple[Row, GradedEvaluation]] = []
        group_ids = await self._roster.group_ids_of(student.user_id)
        for group_id in group_ids:
            for row in await self._grades.rows(group_id, term, published_only=True):
                rows.append((row, graded(row)))
        coefficients = await self._grades.subject_coefficients(student.school_id)
        evaluations = [e for _, e in rows]
        population = {s for e in evaluations for s in e.grades} | {student.user_id}
        averages = class_term_averages(evaluations, sorted(population), term, coefficients)
        classmates: set[str] = set()
        for group in await self._roster.groups(group_ids):
            if group.is_class:
                classmates.update(await self._roster.students_of(group.group_id))
        overall_of = (averages.students[s].overall for s in population & classmates)
        return Consulted(
            student=student,
            term=term,
            terms=terms,
            rows=rows,
            coefficients=coefficients,
            averages=averages,
            class_overall=mean(overall_of) if classmates else averages.overall,
        )

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
            overall_average=r2(c.averages.students[c.student.user_id].overall),
            class_overall_average=r2(c.class_overall),
        )


def _has(evaluation: GradedEvaluation, student: Person) -> bool:
    return student.user_id in evaluation.grades


def _line(row: Row, evaluation: GradedEvaluation, student_id: str) -> GradeLine:
    stats = evaluation_stats(evaluation)
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
