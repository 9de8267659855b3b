"""The timetable's pure rules: recurrence, what each change does to an occurrence, checks
naming the field."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from ent_kit.errors import Refused
from ent_schoollife.domain.timetable import (
    Change,
    LessonPlan,
    checked_plan,
    occurrence,
    substituted,
)


def plan(**changes: Any) -> LessonPlan:
    values: dict[str, Any] = {
        "school_id": "s",
        "group_id": "g",
        "subject": "Mathématiques",
        "teacher_id": "t",
        "room": "B12",
        "weekday": 2,
        "start": time(8),
        "end": time(9),
        "starts_on": date(2026, 9, 1),
        "ends_on": date(2026, 9, 30),
    }
    return LessonPlan(**{**values, **changes})


def test_a_lesson_recurs_every_week_on_its_weekday_within_its_period() -> None:
    tuesdays = plan().dates()
    assert tuesdays == [
        date(2026, 9, 1),
        date(2026, 9, 8),
        date(2026, 9, 15),
        date(2026, 9, 22),
        date(2026, 9, 29),
    ]
    assert plan(weekday=3).dates()[0] == date(2026, 9, 2)
    assert plan().holds(date(2026, 9, 8))
    assert not plan().holds(date(2026, 9, 9))  # a Wednesday
    assert not plan().holds(date(2026, 10, 6))  # after the period


def test_each_change_shows_in_the_occurrence_with_the_planned_values() -> None:
    day = date(2026, 9, 8)
    normal = occurrence("l", plan(), day, Change())
    assert (normal.status, normal.changes, normal.room) == ("normal", (), "B12")
    moved = occurrence(
        "l", plan(), day, Change(moved_to=day + timedelta(days=2), start=time(14), end=time(15))
    )
    assert (moved.status, moved.date, moved.start) == ("moved", date(2026, 9, 10), time(14))
    assert (moved.planned, moved.original_start, moved.original_end) == (day, time(8), time(9))
    both = occurrence("l", plan(), day, Change(room="C3", teacher_id="t2"))
    assert both.status == "replaced"
    assert both.changes == ("replaced", "room_changed")
    assert (both.room, both.original_room, both.teacher_id, both.original_teacher_id) == (
        "C3",
        "B12",
        "t2",
        "t",
    )
    assert both.teachers == ("t", "t2")
    cancelled = occurrence("l", plan(), day, Change(cancelled=True, reason="Sortie", room="C3"))
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Sortie")
    covered = substituted(normal, "sub")
    assert (covered.status, covered.teacher_id, covered.original_teacher_id) == (
        "replaced",
        "sub",
        "t",
    )


def test_a_plan_is_checked_naming_the_field() -> None:
    cases = [
        (plan(weekday=7), "weekday"),
        (plan(start=time(10), end=time(9)), "end"),
        (plan(ends_on=date(2026, 8, 1)), "ends_on"),
        (plan(ends_on=date(2027, 9, 30)), "ends_on"),
        (plan(room="x" * 41), "room"),
        (plan(starts_on=date(2026, 9, 2), ends_on=date(2026, 9, 3)), "weekday"),  # no Tuesday
    ]
    for wrong, field in cases:
        with pytest.raises(Refused) as refused:
            checked_plan(wrong)
        assert refused.value.field == field
