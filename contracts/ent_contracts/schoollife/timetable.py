"""Events of school life: the timetable (emploi du temps).

A lesson recurs every week on one weekday, from `starts_on` to `ends_on` (both included).
One occurrence, named by its planned `date`, may be cancelled, moved, given in another
room or by another teacher; `LessonOccurrenceRestored` undoes all of these. Times are the
school's wall-clock (naive)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

import msgspec

from ent_contracts.registry import register
from ent_contracts.schoollife.base import SchoollifeEvent, Subject

Room = Annotated[str, msgspec.Meta(max_length=40)]
Weekday = Annotated[int, msgspec.Meta(ge=1, le=7)]  # ISO: 1 = Monday
Reason = Annotated[str, msgspec.Meta(max_length=200)]


class LessonEvent(SchoollifeEvent, frozen=True, kw_only=True):
    """What every lesson event names: the lesson, its school and its group (a class or a
    teaching group), so a consumer can tell whom it concerns without the lesson's past."""

    lesson_id: str
    school_id: str
    group_id: str


@register
class LessonScheduled(LessonEvent, frozen=True, kw_only=True):
    """A weekly lesson was put in the timetable: `subject` with `teacher_id` for the group,
    every `weekday` from `start` to `end`, between `starts_on` and `ends_on`. `import_id`
    names the timetable import that wrote it (None: entered by hand)."""

    event_type: ClassVar[str] = "schoollife.LessonScheduled"
    subject: Subject
    teacher_id: str
    room: Room = ""
    weekday: Weekday
    start: dt.time
    end: dt.time
    starts_on: dt.date
    ends_on: dt.date
    import_id: str | None = None


@register
class LessonCancelled(LessonEvent, frozen=True, kw_only=True):
    """The occurrence of `date` will not take place ("cours annulé"), for `reason`: the
    lesson's `subject`, the `teacher_id` who was to give it, from `start` to `end`."""

    event_type: ClassVar[str] = "schoollife.LessonCancelled"
    subject: Subject
    teacher_id: str
    date: dt.date
    start: dt.time
    end: dt.time
    reason: Reason = ""


@register
class LessonMoved(LessonEvent, frozen=True, kw_only=True):
    """The occurrence planned on `date`, `start`-`end` (the lesson's `subject` by
    `teacher_id`), takes place on `new_date`, `new_start`-`new_end`."""

    event_type: ClassVar[str] = "schoollife.LessonMoved"
    subject: Subject
    teacher_id: str
    date: dt.date
    start: dt.time
    end: dt.time
    new_date: dt.date
    new_start: dt.time
    new_end: dt.time


@register
class LessonRoomChanged(LessonEvent, frozen=True, kw_only=True):
    """The occurrence of `date` is given in `room`."""

    event_type: ClassVar[str] = "schoollife.LessonRoomChanged"
    date: dt.date
    room: Room


@register
class LessonTeacherReplaced(LessonEvent, frozen=True, kw_only=True):
    """The occurrence of `date` is given by `teacher_id` instead of the lesson's teacher."""

    event_type: ClassVar[str] = "schoollife.LessonTeacherReplaced"
    date: dt.date
    teacher_id: str


@register
class LessonOccurrenceRestored(LessonEvent, frozen=True, kw_only=True):
    """The occurrence of `date` is as planned again: its cancellation, move, room or
    teacher change are undone."""

    event_type: ClassVar[str] = "schoollife.LessonOccurrenceRestored"
    date: dt.date


@register
class LessonRemoved(LessonEvent, frozen=True, kw_only=True):
    """The lesson left the timetable, every occurrence with it (entered by mistake, or no
    longer in a re-imported timetable)."""

    event_type: ClassVar[str] = "schoollife.LessonRemoved"
