"""A group's averages of a term, for its teachers and the school's staff (the class
council, the report cards): each student's subject and overall averages, and per subject
and overall the mean of the students' averages. For a class, the evaluations of every
group its students belong to count (the Latin group's grades weigh in 6A's averages)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

from ent_kit.auth import Identity

from ent_schoollife.application import grades_cache
from ent_schoollife.application.evaluations import staff_group
from ent_schoollife.application.grades_reading import GradesReader
from ent_schoollife.application.grades_views import (
    GroupAverages,
    StudentAveragesView,
    SubjectSummaryView,
    r2,
    term_view,
    two_decimals,
)
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.terms import Terms
from ent_schoollife.application.views import group_view, person_view
from ent_schoollife.domain.averages import class_term_averages


class GroupAveragesQuery:
    def __init__(
        self, grades: GradesReader, roster: Roster, terms: Terms, today: Callable[[], date]
    ) -> None:
        self._grades = grades
        self._roster = roster
        self._terms = terms
        self._today = today

    async def __call__(self, me: Identity, group_id: str, term_id: str | None) -> GroupAverages:
        today = self._today()
        viewer = await self._roster.viewer(me)
        group = await staff_group(self._roster, viewer, group_id, today)
        term = (
            await self._terms.by_id(group.school_id, term_id, today)
            if term_id
            else await self._terms.current(group.school_id, today)
        )
        students = await self._roster.students_of(group_id)
        group_ids = {group_id}
        if group.is_class:  # known again only when the school's memberships change
            version = await self._roster.membership_version(group.school_id)
            read = partial(self._roster.groups_of_students, students)
            key = ("groups of the students of", group_id, version)
            group_ids.update(await (grades_cache.groups(key, read) if version else read()))
        evaluations = await self._grades.published(sorted(group_ids), term)
        coefficients = await self._grades.subject_coefficients(group.school_id)
        averages = class_term_averages(evaluations, students, term, coefficients)
        people = await self._roster.people(students)
        rows = [
            StudentAveragesView(
                student=person_view(people[s]),
                subjects={
                    k: two_decimals(v) for k, v in sorted(averages.students[s].subjects.items())
                },
                overall=r2(averages.students[s].overall),
            )
            for s in students
            if s in people
        ]
        rows.sort(key=lambda r: r.student.display_name)
        return GroupAverages(
            group=group_view(group),
            term=term_view(term),
            students=rows,
            subjects=[
                SubjectSummaryView(
                    subject=subject,
                    average=two_decimals(s.average),
                    minimum=two_decimals(s.minimum),
                    maximum=two_decimals(s.maximum),
                )
                for subject, s in sorted(averages.subjects.items())
            ],
            overall=r2(averages.overall),
        )
