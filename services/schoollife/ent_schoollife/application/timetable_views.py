"""What the timetable API takes and answers (msgspec Structs)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from ent_contracts.schoollife.base import Subject
from ent_contracts.schoollife.timetable import Reason, Room
from ent_kit.wall_clock import OptionalWallClockTime, WallClockTime

from ent_schoollife.application.views import GroupView, PersonView, group_view, person_view
from ent_schoollife.domain.people import Group, Person
from ent_schoollife.domain.timetable import LessonPlan

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
SchoolDay = Annotated[int, msgspec.Meta(ge=1, le=6, description="ISO weekday, 1 = Monday")]


class LessonRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A weekly lesson. A teacher schedules their own lessons only (`teacher_id` left out
    or theirs); direction gives the teacher. The period defaults to today until the end
    of the school year of `starts_on`."""

    group_id: Id
    subject: Subject
    teacher_id: Id | None = None
    room: Room = ""
    weekday: SchoolDay
    start: WallClockTime
    end: WallClockTime
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


class CancelRequest(msgspec.Struct, frozen=True, kw_only=True):
    reason: Reason = ""


class MoveRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Where the occurrence goes: its new date and times."""

    date: dt.date
    start: WallClockTime
    end: WallClockTime


class RoomRequest(msgspec.Struct, frozen=True, kw_only=True):
    room: Annotated[Room, msgspec.Meta(min_length=1)]


class TeacherRequest(msgspec.Struct, frozen=True, kw_only=True):
    teacher_id: Id


class LessonView(msgspec.Struct, frozen=True, kw_only=True):
    lesson_id: str
    group: GroupView
    subject: str
    teacher: PersonView
    room: str
    weekday: int
    start: WallClockTime
    end: WallClockTime
    starts_on: dt.date
    ends_on: dt.date
    import_id: str | None = None


class OccurrenceView(msgspec.Struct, frozen=True, kw_only=True):
    """One lesson as it happens. `status` is the most telling of `changes` (cancelled,
    moved, replaced, room_changed) or `normal`; the planned values are given where they
    changed. `planned_date` names the occurrence in the change routes (it differs from
    `date` once moved)."""

    lesson_id: str
    date: dt.date
    start: WallClockTime
    end: WallClockTime
    subject: str
    teacher_id: str
    teacher: str  # display name
    room: str
    group_id: str
    group: str  # the class's or group's name
    status: str
    changes: list[str] = []
    cancel_reason: str | None = None
    planned_date: dt.date
    original_start: OptionalWallClockTime = None
    original_end: OptionalWallClockTime = None
    original_room: str | None = None
    original_teacher_id: str | None = None
    original_teacher: str | None = None


class WeekView(msgspec.Struct, frozen=True, kw_only=True):
    """The occurrences of one week (Monday to Sunday), by date and start time; whose week
    it is: a student, a teacher or a group."""

    week: dt.date  # its Monday
    occurrences: list[OccurrenceView]
    student: PersonView | None = None
    teacher: PersonView | None = None
    group: GroupView | None = None


class DayView(msgspec.Struct, frozen=True, kw_only=True):
    """A student's or a teacher's lessons of one date (the home page's "cours du jour")."""

    date: dt.date
    occurrences: list[OccurrenceView]


def lesson_view(
    lesson_id: str, plan: LessonPlan, group: Group, teacher: Person, import_id: str | None
) -> LessonView:
    return LessonView(
        lesson_id=lesson_id,
        group=group_view(group),
        subject=plan.subject,
        teacher=person_view(teacher),
        room=plan.room,
        weekday=plan.weekday,
        start=plan.start,
        end=plan.end,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        import_id=import_id,
    )
