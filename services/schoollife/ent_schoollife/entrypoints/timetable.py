"""Timetable (emploi du temps): weekly lessons, changes to one occurrence, week views."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from ent_kit.controllers import AnyRequest
from litestar import Controller, delete, get, post
from litestar.params import Parameter

from ent_schoollife.application.lessons import TimetableCommands
from ent_schoollife.application.timetable_queries import TimetableQueries
from ent_schoollife.application.timetable_views import (
    CancelRequest,
    DayView,
    LessonRequest,
    LessonView,
    MoveRequest,
    RoomRequest,
    TeacherRequest,
    WeekView,
)

Week = Annotated[
    date | None,
    Parameter(description="Any date of the week (its Monday is used); default this week"),
]
StudentId = Annotated[
    str | None,
    Parameter(description="The child (a parent with several), or a student (teachers, staff)"),
]
OCCURRENCE = "/lessons/{lesson_id:str}/occurrences/{day:date}"
WHO_WRITES = (
    "Direction of the school, or the lesson's teacher (or whoever replaces them that day) "
    "while they teach its group; others 403 (`not_teaching`, `not_your_lesson`). "
    "`day` is the occurrence's planned date (`planned_date` in the week views)."
)


class TimetableController(Controller):
    path = "/schoollife/timetable"
    tags = ["schoollife"]

    @get(
        "/week",
        summary="A student's week (the child switch)",
        description="A student sees their own; a parent each child (`student_id` may be "
        "left out with one child); a teacher the students of the groups they teach; "
        "direction and vie scolaire the school's. Anyone else 404. Each occurrence gives "
        "its status (normal, cancelled, moved, replaced, room_changed) and the planned "
        "values where they changed.",
    )
    async def student_week(
        self,
        request: AnyRequest,
        timetable_queries: TimetableQueries,
        week: Week = None,
        student_id: StudentId = None,
    ) -> WeekView:
        return await timetable_queries.student_week(request.user, student_id, week)

    @get(
        "/teachers/week",
        summary="A teacher's week",
        description="A teacher sees their own (`teacher_id` left out), with the lessons of "
        "a teacher they replace during the replacement; direction and vie scolaire any "
        "teacher of the school. Anyone else 404.",
    )
    async def teacher_week(
        self,
        request: AnyRequest,
        timetable_queries: TimetableQueries,
        week: Week = None,
        teacher_id: str | None = None,
    ) -> WeekView:
        return await timetable_queries.teacher_week(request.user, teacher_id, week)

    @get(
        "/groups/{group_id:str}/week",
        summary="A class's or group's week",
        description="Its school's direction and vie scolaire, its teachers, its students and "
        "their parents; others 404.",
    )
    async def group_week(
        self,
        request: AnyRequest,
        timetable_queries: TimetableQueries,
        group_id: str,
        week: Week = None,
    ) -> WeekView:
        return await timetable_queries.group_week(request.user, group_id, week)

    @get(
        "/day",
        summary="One day's lessons (cours du jour)",
        description="A teacher's own without `student_id`; else the followed student's, "
        "as in the student's week.",
    )
    async def day(
        self,
        request: AnyRequest,
        timetable_queries: TimetableQueries,
        day: Annotated[date | None, Parameter(description="Default today")] = None,
        student_id: StudentId = None,
    ) -> DayView:
        today = day or timetable_queries.today()
        return await timetable_queries.day(request.user, today, student_id)

    @post(
        "/lessons",
        summary="Schedule a weekly lesson",
        description="Direction for any group of its school (giving `teacher_id`); a teacher "
        "for a group they teach, as its teacher (403 `not_teaching` otherwise). The "
        "period defaults to today until the end of the school year.",
    )
    async def schedule(
        self, request: AnyRequest, timetable: TimetableCommands, data: LessonRequest
    ) -> LessonView:
        return await timetable.schedule(request.user, data)

    @get("/lessons/{lesson_id:str}", summary="A lesson's plan")
    async def lesson(
        self, request: AnyRequest, timetable_queries: TimetableQueries, lesson_id: str
    ) -> LessonView:
        return await timetable_queries.lesson(request.user, lesson_id)

    @delete(
        "/lessons/{lesson_id:str}",
        summary="Remove a lesson and all its occurrences",
        description="Direction, or the lesson's own teacher.",
    )
    async def remove(
        self, request: AnyRequest, timetable: TimetableCommands, lesson_id: str
    ) -> None:
        await timetable.remove(request.user, lesson_id)

    @post(
        f"{OCCURRENCE}/cancel",
        status_code=204,
        summary="Cancel one occurrence (cours annulé)",
        description=WHO_WRITES,
    )
    async def cancel(
        self,
        request: AnyRequest,
        timetable: TimetableCommands,
        lesson_id: str,
        day: date,
        data: CancelRequest,
    ) -> None:
        await timetable.cancel(request.user, lesson_id, day, data.reason)

    @post(
        f"{OCCURRENCE}/move",
        status_code=204,
        summary="Move one occurrence to another date or time",
        description=WHO_WRITES,
    )
    async def move(
        self,
        request: AnyRequest,
        timetable: TimetableCommands,
        lesson_id: str,
        day: date,
        data: MoveRequest,
    ) -> None:
        await timetable.move(request.user, lesson_id, day, data)

    @post(
        f"{OCCURRENCE}/room",
        status_code=204,
        summary="Give one occurrence in another room",
        description=WHO_WRITES,
    )
    async def room(
        self,
        request: AnyRequest,
        timetable: TimetableCommands,
        lesson_id: str,
        day: date,
        data: RoomRequest,
    ) -> None:
        await timetable.change_room(request.user, lesson_id, day, data.room)

    @post(
        f"{OCCURRENCE}/teacher",
        status_code=204,
        summary="Have one occurrence given by another teacher of the school",
        description=WHO_WRITES,
    )
    async def teacher(
        self,
        request: AnyRequest,
        timetable: TimetableCommands,
        lesson_id: str,
        day: date,
        data: TeacherRequest,
    ) -> None:
        await timetable.replace_teacher(request.user, lesson_id, day, data.teacher_id)

    @delete(
        f"{OCCURRENCE}/changes",
        summary="Undo every change to one occurrence (as planned again)",
        description=WHO_WRITES,
    )
    async def restore(
        self, request: AnyRequest, timetable: TimetableCommands, lesson_id: str, day: date
    ) -> None:
        await timetable.restore(request.user, lesson_id, day)
