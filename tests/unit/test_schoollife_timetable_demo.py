"""The demo collège's timetable: a realistic week per class, seeded idempotently."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from ent_contracts import DomainEvent
from ent_contracts.directory import GroupCreated, GroupMembershipChanged
from ent_kit.auth import Identity
from ent_schoollife.application.demo_timetable import HOURS, seed_demo_timetable
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.timetable import Occurrence, monday
from ent_schoollife.wiring import timetable as timetable_wiring
from kit_fixtures import user_registered
from schoollife_fixtures import Schoollife, feed_roster, in_service_loop, schoollife

__all__ = ["schoollife"]
TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()
SCHOOL = "school-demo"
CLASSES = ("6A", "5A", "4A", "3A")
SUBJECTS = (*HOURS, "Latin")
STUDENT = Identity(user_id="demo-student-6A-0", profile="student", school_id=SCHOOL)


def demo_world() -> list[DomainEvent]:
    teachers = [f"demo-teacher-{n}" for n in range(len(SUBJECTS))]
    events: list[DomainEvent] = [
        user_registered(t, SCHOOL, profile="teacher", subjects=[s], last_name=s)
        for t, s in zip(teachers, SUBJECTS, strict=True)
    ]
    for name in CLASSES:
        students = [f"demo-student-{name}-{n}" for n in range(2)]
        events += [user_registered(s, SCHOOL) for s in students]
        group_id = f"demo-{name}"
        events.append(GroupCreated(group_id=group_id, school_id=SCHOOL, kind="class", name=name))
        events.append(
            GroupMembershipChanged(
                group_id=group_id, members_added=students, teachers_added=teachers
            )
        )
    events.append(
        GroupCreated(group_id="demo-latin", school_id=SCHOOL, kind="teaching", name="Latin")
    )
    events.append(
        GroupMembershipChanged(
            group_id="demo-latin",
            members_added=["demo-student-5A-0", "demo-student-4A-0"],
            teachers_added=[teachers[-1]],
        )
    )
    return events


async def test_the_demo_week_is_realistic_and_seeded_once(schoollife: Schoollife) -> None:
    runtime = schoollife.runtime
    await feed_roster(runtime.storage, demo_world())
    commands = timetable_wiring.commands(runtime)
    queries = timetable_wiring.queries(runtime)
    documents = runtime.storage.documents
    first = monday(TODAY)

    async def seed() -> int:
        await seed_demo_timetable(commands, documents, Roster(documents), SCHOOL, TODAY)
        position: int = await runtime.storage.events.last_position()
        return position

    async def week(group_id: str, of: date = first) -> list[Occurrence]:
        return await queries._weeks("timetable_group_weeks", [group_id], of)

    events = await in_service_loop(schoollife, seed)
    assert await in_service_loop(schoollife, seed) == events  # nothing new the second time

    given: Counter[tuple[str, str, str]] = Counter()
    statuses: Counter[str] = Counter()
    for name in CLASSES:
        found_week = await in_service_loop(schoollife, partial(week, f"demo-{name}"))
        assert len(found_week) == 25, name
        for found in found_week:
            assert time(8) <= found.start
            assert found.end <= time(17)
            assert not (found.date.isoweekday() == 3 and found.start >= time(12))
            assert not (time(12, 15) < found.start < time(13, 30))  # lunch
            given[(found.teacher_id, found.date.isoformat(), found.start.isoformat())] += 1
            statuses[found.status] += 1
    assert max(given.values()) == 1  # no teacher in two classes at once
    assert statuses == Counter({"normal": 98, "cancelled": 1, "room_changed": 1})
    answer = await schoollife.get(STUDENT, "/schoollife/timetable/week")
    assert len(answer.json()["occurrences"]) == 25
    latin = await in_service_loop(schoollife, partial(week, "demo-latin"))
    assert [(o.date.isoweekday(), o.start) for o in latin] == [(2, time(15, 45))]
    later = await in_service_loop(schoollife, partial(week, "demo-6A", first + timedelta(weeks=1)))
    assert {o.status for o in later} == {"normal"}
