"""The timetable's rules, pure: a weekly lesson's plan, the changes made to one occurrence,
and what an occurrence looks like once they are applied (the week views show that)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, time, timedelta

from ent_kit.errors import Refused

from ent_schoollife.domain.terms import default_terms, school_year_start
from ent_schoollife.texts import timetable as texts

MAX_DAYS = 366  # a lesson recurs over one school year at most
MAX_ROOM = 40
MAX_REASON = 200
SCHOOL_DAYS = range(1, 7)  # ISO weekdays Monday to Saturday: no lesson on Sunday

# What an occurrence's status says, most telling first (an occurrence may be moved AND
# given in another room: `changes` lists all, `status` names the first of this order).
CANCELLED, MOVED, REPLACED, ROOM_CHANGED, NORMAL = (
    "cancelled",
    "moved",
    "replaced",
    "room_changed",
    "normal",
)


@dataclass(frozen=True, kw_only=True)
class LessonPlan:
    school_id: str
    group_id: str
    subject: str
    teacher_id: str
    room: str
    weekday: int  # ISO, 1 = Monday
    start: time
    end: time
    starts_on: date
    ends_on: date  # included

    def holds(self, day: date) -> bool:
        """Whether `day` is one of the lesson's planned dates."""
        return self.starts_on <= day <= self.ends_on and day.isoweekday() == self.weekday

    def dates(self) -> list[date]:
        first = self.starts_on + timedelta(days=(self.weekday - self.starts_on.isoweekday()) % 7)
        count = max(0, (self.ends_on - first).days // 7 + 1)
        return [first + timedelta(weeks=n) for n in range(count)]


@dataclass(frozen=True, kw_only=True)
class Change:
    """What differs from the plan on one occurrence (None: as planned)."""

    cancelled: bool = False
    reason: str = ""
    moved_to: date | None = None
    start: time | None = None
    end: time | None = None
    room: str | None = None
    teacher_id: str | None = None

    @property
    def empty(self) -> bool:
        return self == Change()


@dataclass(frozen=True, kw_only=True)
class Occurrence:
    """One occurrence as it will happen, with the planned values where they changed."""

    lesson_id: str
    planned: date  # the date the plan gave it: names the occurrence
    date: date
    start: time
    end: time
    subject: str
    group_id: str
    teacher_id: str
    room: str
    status: str
    changes: tuple[str, ...] = ()
    cancel_reason: str | None = None
    original_start: time | None = None
    original_end: time | None = None
    original_room: str | None = None
    original_teacher_id: str | None = None

    @property
    def teachers(self) -> tuple[str, ...]:
        """Whose week shows it: the planned teacher (replaced or not) and the replacing one."""
        if self.original_teacher_id is None:
            return (self.teacher_id,)
        return (self.original_teacher_id, self.teacher_id)


def occurrence(lesson_id: str, plan: LessonPlan, planned: date, change: Change) -> Occurrence:
    changes = [
        name
        for name, changed in (
            (CANCELLED, change.cancelled),
            (MOVED, change.moved_to is not None),
            (REPLACED, change.teacher_id is not None),
            (ROOM_CHANGED, change.room is not None),
        )
        if changed
    ]
    moved = change.moved_to is not None
    return Occurrence(
        lesson_id=lesson_id,
        planned=planned,
        date=change.moved_to or planned,
        start=change.start or plan.start,
        end=change.end or plan.end,
        subject=plan.subject,
        group_id=plan.group_id,
        teacher_id=change.teacher_id or plan.teacher_id,
        room=plan.room if change.room is None else change.room,
        status=changes[0] if changes else NORMAL,
        changes=tuple(changes),
        cancel_reason=change.reason if change.cancelled else None,
        original_start=plan.start if moved else None,
        original_end=plan.end if moved else None,
        original_room=None if change.room is None else plan.room,
        original_teacher_id=None if change.teacher_id is None else plan.teacher_id,
    )


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def default_end(starts_on: date) -> date:
    """A lesson recurs to the end of the school year of its first date."""
    return default_terms(starts_on)[-1].ends_on


# --- checks -----------------------------------------------------------------------------


def checked_plan(plan: LessonPlan) -> LessonPlan:
    if plan.weekday not in SCHOOL_DAYS:
        raise Refused("weekday", "invalid_weekday", texts.BAD_WEEKDAY)
    check_times(plan.start, plan.end, "end")
    if plan.ends_on < plan.starts_on:
        raise Refused("ends_on", "invalid_range", texts.BAD_RANGE)
    if (plan.ends_on - plan.starts_on).days >= MAX_DAYS:
        raise Refused("ends_on", "range_too_long", texts.RANGE_TOO_LONG)
    if not plan.dates():
        raise Refused("weekday", "no_occurrence", texts.NO_OCCURRENCE)
    return replace(plan, room=checked_room(plan.room, "room"), subject=plan.subject.strip())


def check_times(start: time, end: time, field: str) -> None:
    if start.tzinfo is not None or end.tzinfo is not None:
        raise Refused(field, "zoned_time", texts.ZONED_TIME)
    if end <= start:
        raise Refused(field, "end_before_start", texts.END_BEFORE_START)


def checked_room(room: str, field: str) -> str:
    room = room.strip()
    if len(room) > MAX_ROOM:
        raise Refused(field, "room_too_long", texts.ROOM_TOO_LONG)
    return room


def check_move(planned: date, new_date: date, start: time, end: time) -> None:
    if new_date.isoweekday() not in SCHOOL_DAYS:
        raise Refused("date", "invalid_weekday", texts.BAD_WEEKDAY)
    if school_year_start(new_date) != school_year_start(planned):
        raise Refused("date", "other_school_year", texts.MOVE_OTHER_YEAR)
    check_times(start, end, "end")


def substituted(found: Occurrence, substitute_id: str) -> Occurrence:
    """An occurrence its teacher's substitute gives (the directory's replacement period):
    shown as replaced, unless a change already gave it to someone else."""
    if found.original_teacher_id is not None:
        return found
    changes = tuple(sorted({*found.changes, REPLACED}, key=_ORDER.index))
    return replace(
        found,
        teacher_id=substitute_id,
        original_teacher_id=found.teacher_id,
        changes=changes,
        status=changes[0],
    )


_ORDER = (CANCELLED, MOVED, REPLACED, ROOM_CHANGED)
