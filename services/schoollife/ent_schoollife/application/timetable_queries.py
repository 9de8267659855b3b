"""Timetable consultations: a week per student (the child switch), per teacher, per group,
and one day's lessons (the home page's "cours du jour"). Each reads the week documents of
the projection by id (one `get_many`), then the names of the teachers and groups (one
`get_many` each): nothing scans."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

import msgspec
from ent_kit.auth import Identity
from ent_kit.errors import NotFound
from ent_kit.storage import DocumentReader

from ent_schoollife.application.roster import Roster
from ent_schoollife.application.roster_projection import GROUPS
from ent_schoollife.application.timetable_projection import (
    GROUP_WEEKS,
    LESSONS,
    TEACHER_WEEKS,
    stored_lesson,
    week_id,
)
from ent_schoollife.application.timetable_views import (
    DayView,
    LessonView,
    OccurrenceView,
    WeekView,
    lesson_view,
)
from ent_schoollife.application.views import group_view, person_view
from ent_schoollife.domain.people import Person
from ent_schoollife.domain.timetable import Occurrence, monday, substituted
from ent_schoollife.texts import timetable as texts


class TimetableQueries:
    def __init__(self, reader: DocumentReader, roster: Roster, today: Callable[[], date]) -> None:
        self._reader = reader
        self._roster = roster
        self._today = today

    def today(self) -> date:
        return self._today()

    # --- weeks --------------------------------------------------------------------------

    async def student_week(
        self, identity: Identity, student_id: str | None, week: date | None
    ) -> WeekView:
        """A student's week: themselves, a parent's child (`student_id` may be left out
        with one child), a student of a teacher's groups, any of the school for its staff."""
        viewer = await self._roster.viewer(identity)
        student = await self._roster.followed_student(viewer, student_id, self._today())
        first = monday(week or self._today())
        found = await self._student_occurrences(student, first)
        return WeekView(
            week=first, occurrences=await self._views(found), student=person_view(student)
        )

    async def teacher_week(
        self, identity: Identity, teacher_id: str | None, week: date | None
    ) -> WeekView:
        """A teacher's own week (with the lessons of whoever they replace then); direction
        and vie scolaire see any teacher's of their school. Anyone else: 404."""
        viewer = await self._roster.viewer(identity)
        teacher = await self._visible_teacher(viewer, teacher_id)
        first = monday(week or self._today())
        found = await self._teacher_occurrences(teacher.user_id, first)
        return WeekView(
            week=first, occurrences=await self._views(found), teacher=person_view(teacher)
        )

    async def group_week(self, identity: Identity, group_id: str, week: date | None) -> WeekView:
        """A class's or group's week: its school's staff, its teachers, its students and
        their parents."""
        viewer = await self._roster.viewer(identity)
        group = await self._roster.visible_group(viewer, group_id, self._today())
        first = monday(week or self._today())
        found = await self._substitutes_shown(
            await self._weeks(GROUP_WEEKS, [group.group_id], first), group.school_id
        )
        return WeekView(week=first, occurrences=await self._views(found), group=group_view(group))

    async def day(self, identity: Identity, day: date, student_id: str | None = None) -> DayView:
        """One date's lessons: a teacher's own (without `student_id`), else the followed
        student's, as in their week."""
        viewer = await self._roster.viewer(identity)
        if viewer.profile == "teacher" and student_id is None:
            found = await self._teacher_occurrences(viewer.user_id, monday(day))
        else:
            student = await self._roster.followed_student(viewer, student_id, self._today())
            found = await self._student_occurrences(student, monday(day))
        return DayView(date=day, occurrences=await self._views(f for f in found if f.date == day))

    async def lesson(self, identity: Identity, lesson_id: str) -> LessonView:
        """A lesson's plan, for whoever sees its group's timetable (the group decides the
        school: a parent may follow a child of another school)."""
        viewer = await self._roster.viewer(identity)
        found = await stored_lesson(self._reader, lesson_id)
        if found is None:
            raise NotFound("lesson_id", "lesson_not_found", texts.LESSON_NOT_FOUND)
        plan = found[1]
        try:
            group = await self._roster.visible_group(viewer, plan.group_id, self._today())
        except NotFound:
            raise NotFound("lesson_id", "lesson_not_found", texts.LESSON_NOT_FOUND) from None
        teacher = await self._roster.person(plan.teacher_id)
        doc = await self._reader.get(LESSONS, lesson_id) or {}
        return lesson_view(
            lesson_id, plan, group, teacher or _unknown(plan.teacher_id), doc.get("import_id")
        )

    # --- reading the week documents -----------------------------------------------------

    async def _student_occurrences(self, student: Person, first: date) -> list[Occurrence]:
        groups = await self._roster.group_ids_of(student.user_id)
        found = await self._weeks(GROUP_WEEKS, groups, first)
        return await self._substitutes_shown(found, student.school_id)

    async def _substitutes_shown(self, found: list[Occurrence], school_id: str) -> list[Occurrence]:
        """A class's lessons given, during the directory's replacement period, by the
        substitute: shown replaced, as the substitute's own week shows them."""
        substitutions = await self._roster.substitutions_in(school_id) if found else []
        shown = []
        for occurrence in found:
            cover = next(
                (
                    s
                    for s in substitutions
                    if s.replaced_id == occurrence.teacher_id and s.covers(occurrence.date)
                ),
                None,
            )
            shown.append(
                occurrence if cover is None else substituted(occurrence, cover.substitute_id)
            )
        return shown

    async def _teacher_occurrences(self, teacher_id: str, first: date) -> list[Occurrence]:
        """Their own week, and the lessons of the teachers they replace on those days."""
        found = await self._weeks(TEACHER_WEEKS, [teacher_id], first)
        last = first + timedelta(days=6)
        for substitution in await self._roster.substitutions_by(teacher_id):
            if substitution.starts_on > last or substitution.ends_on < first:
                continue
            for other in await self._weeks(TEACHER_WEEKS, [substitution.replaced_id], first):
                if other.teacher_id == substitution.replaced_id and substitution.covers(other.date):
                    found.append(substituted(other, teacher_id))
        return found

    async def _weeks(self, collection: str, owners: list[str], first: date) -> list[Occurrence]:
        if not owners:
            return []
        docs = await self._reader.get_many(collection, [week_id(o, first) for o in owners])
        seen: dict[str, Occurrence] = {}
        for doc in docs.values():
            for key, entry in doc["entries"].items():
                seen.setdefault(key, msgspec.convert(entry, Occurrence))
        return list(seen.values())

    async def _views(self, found: Iterable[Occurrence]) -> list[OccurrenceView]:
        occurrences = list(found)
        teacher_ids = {o.teacher_id for o in occurrences} | {
            o.original_teacher_id for o in occurrences if o.original_teacher_id
        }
        people = await self._roster.people(sorted(teacher_ids))
        groups = await self._reader.get_many(GROUPS, sorted({o.group_id for o in occurrences}))
        views = [_view(o, people, groups) for o in occurrences]
        return sorted(views, key=lambda v: (v.date, v.start, v.group, v.subject, v.lesson_id))

    async def _visible_teacher(self, viewer: Person, teacher_id: str | None) -> Person:
        if viewer.profile == "teacher" and teacher_id in (None, viewer.user_id):
            return viewer
        if viewer.sees_school and teacher_id is not None:
            teacher = await self._roster.person(teacher_id)
            if (
                teacher is not None
                and teacher.profile == "teacher"
                and teacher.school_id == viewer.school_id
            ):
                return teacher
        raise NotFound("teacher_id", "teacher_not_found", texts.TEACHER_NOT_FOUND)


def _view(
    found: Occurrence, people: dict[str, Person], groups: dict[str, dict[str, Any]]
) -> OccurrenceView:
    def name(user_id: str) -> str:
        person = people.get(user_id)
        return person.display_name if person is not None else ""

    original = found.original_teacher_id
    return OccurrenceView(
        lesson_id=found.lesson_id,
        date=found.date,
        start=found.start,
        end=found.end,
        subject=found.subject,
        teacher_id=found.teacher_id,
        teacher=name(found.teacher_id),
        room=found.room,
        group_id=found.group_id,
        group=groups.get(found.group_id, {}).get("name", ""),
        status=found.status,
        changes=list(found.changes),
        cancel_reason=found.cancel_reason,
        planned_date=found.planned,
        original_start=found.original_start,
        original_end=found.original_end,
        original_room=found.original_room,
        original_teacher_id=original,
        original_teacher=None if original is None else name(original),
    )


def _unknown(user_id: str) -> Person:
    return Person(user_id=user_id, school_id="", profile="teacher", display_name="")
