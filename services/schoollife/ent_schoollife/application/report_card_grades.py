"""The averages a report card freezes, read from the grades' read model and computed by
the grades' own rules (`domain.averages`): never averaged any other way here."""

from __future__ import annotations

from collections.abc import Sequence

from ent_schoollife.application.grades_reading import GradesReader
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.averages import ClassAverages, class_term_averages
from ent_schoollife.domain.terms import Term


class ReportCardGrades:
    def __init__(self, grades: GradesReader, roster: Roster) -> None:
        self._grades = grades
        self._roster = roster

    async def class_term_averages(
        self, school_id: str, student_ids: Sequence[str], term: Term
    ) -> ClassAverages:
        """Over the published evaluations of the term of every group the class's students
        are in: the class itself and their teaching groups (Latin…)."""
        group_ids: set[str] = set()
        for student_id in student_ids:
            group_ids |= set(await self._roster.group_ids_of(student_id))
        evaluations = await self._grades.published(sorted(group_ids), term)
        coefficients = await self._grades.subject_coefficients(school_id)
        return class_term_averages(evaluations, student_ids, term, coefficients)
