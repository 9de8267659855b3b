"""The demo collège's timetable: for each class a week of 25 lessons, Monday to Friday
between 8:00 and 16:45 with a lunch break and Wednesday afternoon free, each subject with
its teacher (nobody in two classes at once), over the current school year; the Latin group
on Tuesday's last hour, when its classes are free. In the current week one lesson of the
first class is cancelled and one of the second changes room.

Idempotent: lesson ids are derived from the school, the group and the slot, and the same
plan or change again records nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta

from ent_contracts import SYSTEM
from ent_kit.errors import Conflict
from ent_kit.storage import DocumentReader

from ent_schoollife.application.lessons import TimetableCommands
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.lesson import Lesson
from ent_schoollife.domain.people import Group, Person
from ent_schoollife.domain.terms import default_terms
from ent_schoollife.domain.timetable import LessonPlan, monday

Change = Callable[[Lesson, date], None]
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "ent-demo:schoollife:timetable")
SLOTS = (
    (time(8), time(9)),
    (time(9), time(10)),
    (time(10, 15), time(11, 15)),
    (time(11, 15), time(12, 15)),
    (time(13, 30), time(14, 30)),
    (time(14, 30), time(15, 30)),
    (time(15, 45), time(16, 45)),
)
# Slots used each weekday (ISO): 25 hours, Wednesday afternoon free, Tuesday's last free.
DAYS = {
    1: (0, 1, 2, 3, 4, 5),
    2: (0, 1, 2, 3, 4),
    3: (0, 1, 2),
    4: (0, 1, 2, 3, 4, 5),
    5: (0, 1, 2, 4, 5, 6),
}
LATIN_SLOT = (2, 6)  # Tuesday 15:45
HOURS = {
    "Français": 4,
    "Mathématiques": 4,
    "Histoire-Géographie": 3,
    "Anglais": 3,
    "Espagnol": 2,
    "SVT": 2,
    "Physique-Chimie": 2,
    "EPS": 2,
    "Technologie": 1,
    "Arts plastiques": 1,
    "Éducation musicale": 1,
}
ROOMS = {
    "EPS": "Gymnase",
    "SVT": "Labo SVT",
    "Physique-Chimie": "Labo PC",
    "Technologie": "Salle techno",
    "Arts plastiques": "Salle d'arts",
    "Éducation musicale": "Salle de musique",
    "Latin": "CDI",
}


@dataclass(frozen=True)
class _Slot:
    weekday: int
    index: int

    @property
    def times(self) -> tuple[time, time]:
        return SLOTS[self.index]


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


async def seed_demo_timetable(
    timetable: TimetableCommands,
    reader: DocumentReader,
    roster: Roster,
    school_id: str,
    today: date,
) -> None:
    year = default_terms(today)
    period = (year[0].starts_on, year[-1].ends_on)
    classes = await roster.classes_of_school(school_id)
    teaching = await roster.groups_of_school(school_id, "teaching")
    busy: set[tuple[str, _Slot]] = set()  # (teacher, slot) already given
    last = 0
    seeded: list[tuple[Group, list[tuple[str, LessonPlan]]]] = []
    for group in classes:
        lessons = _class_week(group, await _teachers(roster, group), busy, period)
        seeded.append((group, lessons))
        for lesson_id, plan in lessons:
            last = max(last, await _schedule(timetable, lesson_id, plan))
    for group in teaching:
        teachers = await roster.people(sorted(group.teacher_ids))
        for teacher in sorted(teachers.values(), key=lambda t: t.user_id)[:1]:
            subject = teacher.subjects[0] if teacher.subjects else group.name
            slot = _Slot(*LATIN_SLOT)
            plan = _plan(group, subject, teacher.user_id, slot, period)
            last = max(last, await _schedule(timetable, _id(group.group_id, "latin"), plan))
    await timetable.caught_up(last)
    await _this_weeks_changes(timetable, seeded, today)


async def _teachers(roster: Roster, group: Group) -> dict[str, Person]:
    """The class's teacher of each subject (the first by id when several)."""
    people = await roster.people(sorted(group.teacher_ids))
    by_subject: dict[str, Person] = {}
    for person in sorted(people.values(), key=lambda p: p.user_id):
        for subject in person.subjects[:1]:
            by_subject.setdefault(subject, person)
    return by_subject


def _class_week(
    group: Group,
    teachers: dict[str, Person],
    busy: set[tuple[str, _Slot]],
    period: tuple[date, date],
) -> list[tuple[str, LessonPlan]]:
    """Each slot gets the subject with the most hours left whose teacher is free then and
    that the class has not had twice that day."""
    left = {subject: hours for subject, hours in HOURS.items() if subject in teachers}
    lessons = []
    for weekday, indexes in DAYS.items():
        today: dict[str, int] = {}
        for index in indexes:
            slot = _Slot(weekday, index)
            free = [
                s
                for s in sorted(left, key=lambda s: (-left[s], s))
                if left[s] > 0 and (teachers[s].user_id, slot) not in busy and today.get(s, 0) < 2
            ]
            if not free:
                continue
            subject = free[0]
            left[subject] -= 1
            today[subject] = today.get(subject, 0) + 1
            busy.add((teachers[subject].user_id, slot))
            plan = _plan(group, subject, teachers[subject].user_id, slot, period)
            lessons.append((_id(group.group_id, str(weekday), str(index)), plan))
    return lessons


def _plan(
    group: Group, subject: str, teacher_id: str, slot: _Slot, period: tuple[date, date]
) -> LessonPlan:
    start, end = slot.times
    return LessonPlan(
        school_id=group.school_id,
        group_id=group.group_id,
        subject=subject,
        teacher_id=teacher_id,
        room=ROOMS.get(subject, f"Salle {group.name}"),
        weekday=slot.weekday,
        start=start,
        end=end,
        starts_on=period[0],
        ends_on=period[1],
    )


async def _schedule(timetable: TimetableCommands, lesson_id: str, plan: LessonPlan) -> int:
    def decide(lesson: Lesson) -> None:
        lesson.schedule(plan)

    try:
        return await timetable.save(lesson_id, decide, SYSTEM, create=True)
    except Conflict:  # a lesson of another plan under this id: left as it is
        return 0


async def _this_weeks_changes(
    timetable: TimetableCommands,
    seeded: list[tuple[Group, list[tuple[str, LessonPlan]]]],
    today: date,
) -> None:
    """The first class's first Thursday lesson is cancelled; the second class's first
    Tuesday lesson is given at the CDI."""
    first = monday(today)
    changes: list[tuple[int, int, Change]] = [
        (0, 4, lambda lesson, day: lesson.cancel(day, "Enseignant absent")),
        (1, 2, lambda lesson, day: lesson.change_room(day, "CDI")),
    ]
    for class_index, weekday, change in changes:
        if class_index >= len(seeded):
            continue
        lessons = [(i, p) for i, p in seeded[class_index][1] if p.weekday == weekday]
        if not lessons:
            continue
        lesson_id, plan = lessons[0]
        day = first + timedelta(days=weekday - 1)
        if plan.holds(day):

            def decide(lesson: Lesson, day: date = day, change: Change = change) -> None:
                change(lesson, day)

            await timetable.write(lesson_id, decide, SYSTEM)
