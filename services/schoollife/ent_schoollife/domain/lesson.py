"""The Lesson aggregate: a weekly lesson and the changes made to its occurrences. Pure.

Who may act on it is the application's question (the roster); here only what the lesson
itself decides: a date is one of its occurrences, a change changes something."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from typing import Any

from ent_contracts import DomainEvent
from ent_contracts.schoollife.timetable import (
    LessonCancelled,
    LessonMoved,
    LessonOccurrenceRestored,
    LessonRemoved,
    LessonRoomChanged,
    LessonScheduled,
    LessonTeacherReplaced,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Conflict, NotFound, Refused

from ent_schoollife.domain.timetable import (
    MAX_REASON,
    Change,
    LessonPlan,
    check_move,
    checked_plan,
    checked_room,
)
from ent_schoollife.texts import timetable as texts


class Lesson(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.plan: LessonPlan | None = None
        self.import_id: str | None = None
        self.changes: dict[date, Change] = {}
        self.removed = False

    # --- decisions ----------------------------------------------------------------------

    def schedule(self, plan: LessonPlan, import_id: str | None = None) -> bool:
        """A new lesson; the same plan again (a re-import) changes nothing (False). A
        removed lesson comes back (an import that has its row again), without its old
        changes."""
        plan = checked_plan(plan)
        if self.plan is not None and not self.removed:
            if self.plan == plan:
                return False
            raise Conflict("lesson_id", "lesson_exists", texts.LESSON_EXISTS)
        self.trigger(
            LessonScheduled(
                lesson_id=self.id,
                school_id=plan.school_id,
                group_id=plan.group_id,
                subject=plan.subject,
                teacher_id=plan.teacher_id,
                room=plan.room,
                weekday=plan.weekday,
                start=plan.start,
                end=plan.end,
                starts_on=plan.starts_on,
                ends_on=plan.ends_on,
                import_id=import_id,
            )
        )
        return True

    def cancel(self, day: date, reason: str) -> None:
        plan, change = self._occurrence(day)
        reason = reason.strip()
        if len(reason) > MAX_REASON:
            raise Refused("reason", "reason_too_long", texts.REASON_TOO_LONG)
        if not (change.cancelled and change.reason == reason):
            self.trigger(LessonCancelled(**self._slot(plan, change), date=day, reason=reason))

    def move(self, day: date, new_date: date, start: time, end: time) -> None:
        plan, change = self._occurrence(day)
        check_move(day, new_date, start, end)
        if (new_date, start, end) == (day, plan.start, plan.end):
            raise Refused("date", "not_moved", texts.NOT_MOVED)
        if (change.moved_to, change.start, change.end) != (new_date, start, end):
            self.trigger(
                LessonMoved(
                    **self._slot(plan, change),
                    date=day,
                    new_date=new_date,
                    new_start=start,
                    new_end=end,
                )
            )

    def change_room(self, day: date, room: str) -> None:
        plan, change = self._occurrence(day)
        room = checked_room(room, "room")
        if room == plan.room:
            raise Refused("room", "same_room", texts.SAME_ROOM)
        if change.room != room:
            self.trigger(LessonRoomChanged(**self._names(plan), date=day, room=room))

    def replace_teacher(self, day: date, teacher_id: str) -> None:
        plan, change = self._occurrence(day)
        if teacher_id == plan.teacher_id:
            raise Refused("teacher_id", "same_teacher", texts.SAME_TEACHER)
        if change.teacher_id != teacher_id:
            self.trigger(
                LessonTeacherReplaced(**self._names(plan), date=day, teacher_id=teacher_id)
            )

    def restore(self, day: date) -> None:
        plan, change = self._occurrence(day)
        if not change.empty:
            self.trigger(LessonOccurrenceRestored(**self._names(plan), date=day))

    def remove(self) -> None:
        plan = self.current()
        self.trigger(LessonRemoved(**self._names(plan)))

    # --- questions ----------------------------------------------------------------------

    def current(self) -> LessonPlan:
        if self.plan is None or self.removed:
            raise NotFound("lesson_id", "lesson_not_found", texts.LESSON_NOT_FOUND)
        return self.plan

    def _occurrence(self, day: date) -> tuple[LessonPlan, Change]:
        plan = self.current()
        if not plan.holds(day):
            raise Refused("day", "not_an_occurrence", texts.NOT_AN_OCCURRENCE)
        return plan, self.changes.get(day, Change())

    def _names(self, plan: LessonPlan) -> dict[str, str]:
        return {"lesson_id": self.id, "school_id": plan.school_id, "group_id": plan.group_id}

    def _slot(self, plan: LessonPlan, change: Change) -> dict[str, Any]:
        """The names, and what a day's list of lessons shows of the occurrence: its
        subject, who was to give it (a replacement's teacher if any), when."""
        teacher_id = change.teacher_id or plan.teacher_id
        slot = {"subject": plan.subject, "teacher_id": teacher_id}
        return {**self._names(plan), **slot, "start": plan.start, "end": plan.end}

    # --- evolution ----------------------------------------------------------------------

    def when(self, event: DomainEvent) -> None:
        match event:
            case LessonScheduled():
                self.plan = plan_of(event)
                self.import_id = event.import_id
                self.changes, self.removed = {}, False
            case LessonRemoved():
                self.removed = True
            case _:
                self.changes = apply_change(self.changes, event)


def plan_of(event: LessonScheduled) -> LessonPlan:
    return LessonPlan(
        school_id=event.school_id,
        group_id=event.group_id,
        subject=event.subject,
        teacher_id=event.teacher_id,
        room=event.room,
        weekday=event.weekday,
        start=event.start,
        end=event.end,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
    )


def apply_change(changes: dict[date, Change], event: DomainEvent) -> dict[date, Change]:
    """The changes once an occurrence's event is folded in (the aggregate and the read
    model fold them the same way)."""
    match event:
        case LessonCancelled():
            day, new = event.date, {"cancelled": True, "reason": event.reason}
        case LessonMoved():
            day = event.date
            new = {"moved_to": event.new_date, "start": event.new_start, "end": event.new_end}
        case LessonRoomChanged():
            day, new = event.date, {"room": event.room}
        case LessonTeacherReplaced():
            day, new = event.date, {"teacher_id": event.teacher_id}
        case LessonOccurrenceRestored():
            return {d: c for d, c in changes.items() if d != event.date}
        case _:
            return changes
    return {**changes, day: replace(changes.get(day, Change()), **new)}  # type: ignore[arg-type]
