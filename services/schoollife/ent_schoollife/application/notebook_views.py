"""What the notebook's API takes and answers (msgspec Structs), and the read-model rows
turned into them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from ent_contracts.schoollife import Subject
from ent_contracts.schoollife.notebook import DocumentKind
from ent_kit.wall_clock import OptionalWallClock, OptionalWallClockTime, WallClock

from ent_schoollife.application.views import PersonView
from ent_schoollife.domain.notebook import MAX_CONTENT_CHARS, MAX_INSTRUCTIONS_CHARS

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Title = Annotated[str, msgspec.Meta(max_length=1000)]
Instructions = Annotated[str, msgspec.Meta(max_length=MAX_INSTRUCTIONS_CHARS * 2)]
Content = Annotated[str, msgspec.Meta(max_length=MAX_CONTENT_CHARS * 2)]
HandInStatus = Literal["on_time", "late", "missing"]


# --- requests ---------------------------------------------------------------------------


class LessonRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A lesson's page: the group, the subject, the day (and the timetable's lesson, when
    the timetable knows it), and what was done."""

    group_id: Id
    subject: Subject
    lesson_date: date
    timetable_lesson_id: Id | None = None
    content: Content


class HomeworkRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Work to do for a group. `due_time` defaults to 08:00 (the notebook does not read
    the timetable's first lesson of that day). `hand_in`: the students hand in a copy."""

    group_id: Id
    subject: Subject
    title: Title
    instructions: Instructions = ""
    due_on: date
    due_time: OptionalWallClockTime = None
    hand_in: bool = False
    lesson_id: Id | None = None
    timetable_lesson_id: Id | None = None
    lesson_date: date | None = None


class HomeworkChange(msgspec.Struct, frozen=True, kw_only=True):
    """The homework as it now stands (every field; the group and subject stay)."""

    title: Title
    instructions: Instructions = ""
    due_on: date
    due_time: OptionalWallClockTime = None
    hand_in: bool = False


class DoneTick(msgspec.Struct, frozen=True, kw_only=True):
    done: bool


# --- answers ----------------------------------------------------------------------------


class DocumentView(msgspec.Struct, frozen=True, kw_only=True):
    document_id: str
    kind: DocumentKind
    file_name: str
    media_type: str
    size: int


class StudentStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Where the followed student stands: `done` is "Fait" (a copy handed in where one is
    asked, else the student's own tick)."""

    student_id: str
    done: bool
    copies: int = 0
    last_submitted_at: OptionalWallClock = None
    late: bool = False


class HomeworkView(msgspec.Struct, frozen=True, kw_only=True):
    homework_id: str
    group_id: str
    subject: str
    title: str
    instructions: str
    due_at: WallClock
    hand_in: bool
    lesson_id: str | None = None
    timetable_lesson_id: str | None = None
    lesson_date: date | None = None
    assigned_by: str
    assigned_at: datetime
    documents: list[DocumentView] = []
    status: StudentStatus | None = None  # in a student's (or their parent's) views


class HomeworkPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[HomeworkView]
    next_cursor: str | None = None


class LessonView(msgspec.Struct, frozen=True, kw_only=True):
    lesson_id: str
    group_id: str
    subject: str
    lesson_date: date
    timetable_lesson_id: str | None = None
    content: str
    written_by: str
    written_at: datetime


class WeekView(msgspec.Struct, frozen=True, kw_only=True):
    """A week, Monday to Sunday: the lessons' contents by day, the homework due by date."""

    starts_on: date
    ends_on: date
    lessons: list[LessonView]
    homework: list[HomeworkView]


class CopyView(msgspec.Struct, frozen=True, kw_only=True):
    copy_id: str
    homework_id: str
    student_id: str
    submitted_at: WallClock
    late: bool
    media_type: str
    size: int
    sha256: str


class HandInRow(msgspec.Struct, frozen=True, kw_only=True):
    student: PersonView
    status: HandInStatus
    copies: int = 0
    last_copy: CopyView | None = None


class HandInList(msgspec.Struct, frozen=True, kw_only=True):
    """Every student of the group, by name, with where their copy stands."""

    homework: HomeworkView
    on_time: int
    late: int
    missing: int
    students: list[HandInRow]


# --- rows to views ----------------------------------------------------------------------


def homework_view(doc: dict[str, Any], status: StudentStatus | None = None) -> HomeworkView:
    view = msgspec.convert(
        {**doc, "homework_id": doc["id"]}, HomeworkView, strict=False, from_attributes=False
    )
    return view if status is None else msgspec.structs.replace(view, status=status)


def lesson_view(doc: dict[str, Any]) -> LessonView:
    return msgspec.convert({**doc, "lesson_id": doc["id"]}, LessonView, strict=False)


def copy_view(doc: dict[str, Any]) -> CopyView:
    return msgspec.convert({**doc, "copy_id": doc["id"]}, CopyView, strict=False)


def student_status(student_id: str, hand_in: bool, status: dict[str, Any] | None) -> StudentStatus:
    if status is None:
        return StudentStatus(student_id=student_id, done=False)
    copies = status["copies"]
    return StudentStatus(
        student_id=student_id,
        done=copies > 0 if hand_in else status["marked_done"],
        copies=copies,
        last_submitted_at=status["last_submitted_at"],
        late=status["late"] if copies else False,
    )
