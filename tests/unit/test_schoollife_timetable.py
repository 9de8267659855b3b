"""The timetable: weekly lessons, changes to one occurrence, and who sees which week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from ent_contracts.directory import SubstitutionScheduled
from ent_schoollife.domain.timetable import (
    monday,
)
from schoollife_fixtures import (
    CLASS_5A,
    CLASS_6A,
    CLASS_6B,
    DIRECTION,
    FRENCH,
    HUGO,
    JADE,
    LATIN,
    LATIN_TEACHER,
    LEA,
    MATHS,
    OTHER_TEACHER,
    PARENT_DOUBLE,
    PARENT_SIMPLE,
    PARENT_ZOE,
    SCHOOL,
    SUBSTITUTE,
    VIE_SCOLAIRE,
    Schoollife,
    feed_roster,
    in_service_loop,
    schoollife,
)

__all__ = ["schoollife"]
# The service's "today" is the school's (Europe/Paris), not UTC's.
TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()
WEEK = monday(TODAY)
NEXT_WEEK = WEEK + timedelta(weeks=1)
TUESDAY = WEEK + timedelta(days=1)
LESSONS = "/schoollife/timetable/lessons"


# --- over HTTP ----------------------------------------------------------------------------


async def schedule(sl: Schoollife, who: Any = DIRECTION, **body: Any) -> Any:
    lesson = {
        "group_id": CLASS_6A,
        "subject": "Mathématiques",
        "teacher_id": MATHS.user_id,
        "room": "B12",
        "weekday": 2,
        "start": "08:00:00",
        "end": "09:00:00",
        "starts_on": (WEEK - timedelta(weeks=2)).isoformat(),
        "ends_on": (WEEK + timedelta(weeks=4, days=6)).isoformat(),
        **body,
    }
    return await sl.post(who, LESSONS, lesson)


def fields(answer: Any) -> list[str]:
    return [error["field"] for error in answer.json().get("errors", [])]


async def week_of(
    sl: Schoollife, who: Any, path: str = "/schoollife/timetable/week", **params: Any
) -> list[dict[str, Any]]:
    answer = await sl.get(who, path, **params)
    assert answer.status_code == 200, answer.text
    occurrences: list[dict[str, Any]] = answer.json()["occurrences"]
    return occurrences


async def test_a_scheduled_lesson_shows_every_week_of_its_period(schoollife: Schoollife) -> None:
    answer = await schedule(schoollife)
    assert answer.status_code == 201, answer.text
    lesson = answer.json()
    assert (lesson["group"]["name"], lesson["teacher"]["display_name"]) == ("6A", "Marc Maths")
    for week in (WEEK - timedelta(weeks=2), WEEK, WEEK + timedelta(weeks=4)):
        found = await week_of(schoollife, LEA, week=week.isoformat())
        assert [
            (
                o["date"],
                o["start"],
                o["end"],
                o["subject"],
                o["teacher"],
                o["room"],
                o["group"],
                o["status"],
            )
            for o in found
        ] == [
            (
                (week + timedelta(days=1)).isoformat(),
                "08:00:00",
                "09:00:00",
                "Mathématiques",
                "Marc Maths",
                "B12",
                "6A",
                "normal",
            )
        ]
    assert await week_of(schoollife, LEA, week=(WEEK + timedelta(weeks=5)).isoformat()) == []
    assert await week_of(schoollife, JADE) == []  # 5A has no lesson
    # The lesson's plan: for whoever sees its class's timetable.
    path = f"{LESSONS}/{lesson['lesson_id']}"
    assert (await schoollife.get(PARENT_DOUBLE, path)).json()["weekday"] == 2
    assert (await schoollife.get(PARENT_SIMPLE, path)).status_code == 404
    assert (await schoollife.get(OTHER_TEACHER, path)).status_code == 404
    # Any date of the week gives the week; the answer names its Monday.
    answer = await schoollife.get(
        LEA, "/schoollife/timetable/week", week=(WEEK + timedelta(days=3)).isoformat()
    )
    assert answer.json()["week"] == WEEK.isoformat()


async def test_a_cancelled_lesson_shows_cancelled_with_its_reason(schoollife: Schoollife) -> None:
    lesson_id = (await schedule(schoollife)).json()["lesson_id"]
    path = f"{LESSONS}/{lesson_id}/occurrences/{TUESDAY.isoformat()}"
    answer = await schoollife.post(MATHS, f"{path}/cancel", {"reason": "Enseignant absent"})
    assert answer.status_code == 204, answer.text
    [found] = await week_of(schoollife, LEA)
    assert (found["status"], found["cancel_reason"], found["changes"]) == (
        "cancelled",
        "Enseignant absent",
        ["cancelled"],
    )
    [other] = await week_of(schoollife, LEA, week=NEXT_WEEK.isoformat())
    assert other["status"] == "normal"  # only that occurrence
    assert (await schoollife.delete(MATHS, f"{path}/changes")).status_code == 204
    [found] = await week_of(schoollife, LEA)
    assert found["status"] == "normal"


async def test_a_moved_lesson_shows_at_its_new_date_with_the_planned_one(
    schoollife: Schoollife,
) -> None:
    lesson_id = (await schedule(schoollife)).json()["lesson_id"]
    new_day = NEXT_WEEK + timedelta(days=3)  # Thursday of next week
    answer = await schoollife.post(
        DIRECTION,
        f"{LESSONS}/{lesson_id}/occurrences/{TUESDAY.isoformat()}/move",
        {"date": new_day.isoformat(), "start": "14:00:00", "end": "15:30:00"},
    )
    assert answer.status_code == 204, answer.text
    assert await week_of(schoollife, LEA) == []  # gone from this week
    found = await week_of(schoollife, HUGO, week=NEXT_WEEK.isoformat())
    assert [
        (o["date"], o["start"], o["status"], o["planned_date"], o["original_start"]) for o in found
    ] == [
        (
            (NEXT_WEEK + timedelta(days=1)).isoformat(),
            "08:00:00",
            "normal",
            (NEXT_WEEK + timedelta(days=1)).isoformat(),
            None,
        ),
        (new_day.isoformat(), "14:00:00", "moved", TUESDAY.isoformat(), "08:00:00"),
    ]
    teacher = await week_of(
        schoollife, MATHS, "/schoollife/timetable/teachers/week", week=NEXT_WEEK.isoformat()
    )
    assert len(teacher) == 2


async def test_a_room_change_and_a_replaced_teacher_show_with_the_planned_values(
    schoollife: Schoollife,
) -> None:
    lesson_id = (await schedule(schoollife)).json()["lesson_id"]
    path = f"{LESSONS}/{lesson_id}/occurrences/{TUESDAY.isoformat()}"
    assert (await schoollife.post(MATHS, f"{path}/room", {"room": "Labo 2"})).status_code == 204
    [found] = await week_of(schoollife, LEA)
    assert (found["status"], found["room"], found["original_room"]) == (
        "room_changed",
        "Labo 2",
        "B12",
    )
    answer = await schoollife.post(DIRECTION, f"{path}/teacher", {"teacher_id": FRENCH.user_id})
    assert answer.status_code == 204, answer.text
    [found] = await week_of(schoollife, LEA)
    assert (found["status"], found["changes"]) == ("replaced", ["replaced", "room_changed"])
    assert (found["teacher"], found["original_teacher"]) == ("Fanny Français", "Marc Maths")
    # Both teachers' weeks show it: the replacing one gives it, the planned one sees it replaced.
    teachers = "/schoollife/timetable/teachers/week"
    [given] = await week_of(schoollife, FRENCH, teachers)
    assert given["teacher_id"] == FRENCH.user_id
    [seen] = await week_of(schoollife, MATHS, teachers)
    assert seen["status"] == "replaced"
    # Someone who is not a teacher of the school cannot be given the lesson.
    answer = await schoollife.post(
        DIRECTION, f"{path}/teacher", {"teacher_id": OTHER_TEACHER.user_id}
    )
    assert (answer.status_code, fields(answer)) == (400, ["teacher_id"])


async def test_a_substitute_sees_the_replaced_teachers_lessons_during_the_replacement(
    schoollife: Schoollife,
) -> None:
    await schedule(schoollife, subject="Français", teacher_id=FRENCH.user_id, weekday=1)
    teachers = "/schoollife/timetable/teachers/week"
    [found] = await week_of(schoollife, SUBSTITUTE, teachers)
    assert (found["teacher"], found["original_teacher"], found["status"]) == (
        "Samir Remplaçant",
        "Fanny Français",
        "replaced",
    )
    # The replacement ends a week from today: two weeks ahead, nothing.
    assert (
        await week_of(
            schoollife, SUBSTITUTE, teachers, week=(WEEK + timedelta(weeks=3)).isoformat()
        )
        == []
    )
    # The class sees who gives the lesson then: the substitute, the planned teacher beside.
    [seen] = await week_of(schoollife, LEA)
    assert (seen["teacher"], seen["original_teacher"], seen["status"]) == (
        "Samir Remplaçant",
        "Fanny Français",
        "replaced",
    )
    later = (WEEK + timedelta(weeks=3)).isoformat()
    [after] = await week_of(
        schoollife, LEA, f"/schoollife/timetable/groups/{CLASS_6A}/week", week=later
    )
    assert (after["teacher"], after["status"]) == ("Fanny Français", "normal")
    # While replacing, the substitute may change the replaced teacher's lessons.
    path = f"{LESSONS}/{found['lesson_id']}/occurrences/{found['planned_date']}/cancel"
    assert (await schoollife.post(SUBSTITUTE, path, {})).status_code == 204


async def test_a_substitute_changes_only_occurrences_inside_a_running_replacement(
    schoollife: Schoollife,
) -> None:
    """The fixture's substitute replaces Mme Français from a week ago to a week ahead."""
    answer = await schedule(schoollife, subject="Français", teacher_id=FRENCH.user_id, weekday=1)
    french = f"{LESSONS}/{answer.json()['lesson_id']}"
    this_monday, later = WEEK.isoformat(), (WEEK + timedelta(weeks=3)).isoformat()
    # Never the replaced teacher's whole weekly lesson (every occurrence of the year).
    answer = await schoollife.delete(SUBSTITUTE, french)
    assert (answer.status_code, answer.json()["code"]) == (403, "not_your_lesson")
    # Not an occurrence after the replacement, nor a move taking one out of it.
    answer = await schoollife.post(SUBSTITUTE, f"{french}/occurrences/{later}/cancel", {})
    assert (answer.status_code, answer.json()["code"]) == (403, "not_your_lesson")
    move = {"date": later, "start": "10:00:00", "end": "11:00:00"}
    answer = await schoollife.post(SUBSTITUTE, f"{french}/occurrences/{this_monday}/move", move)
    assert (answer.status_code, answer.json()["code"]) == (403, "not_your_lesson")
    # Nor a new weekly lesson of their own for the replaced teacher's class.
    answer = await schedule(schoollife, SUBSTITUTE, teacher_id=None, subject="Français")
    assert (answer.status_code, answer.json()["code"]) == (403, "not_teaching")
    # Inside it: yes.
    path = f"{french}/occurrences/{this_monday}/cancel"
    assert (await schoollife.post(SUBSTITUTE, path, {})).status_code == 204
    # A replacement that has ended gives nothing, even on the dates it covered.
    today = datetime.now(UTC).date()
    ended = SubstitutionScheduled(
        substitution_id="sub-ended",
        school_id=SCHOOL,
        substitute_id=SUBSTITUTE.user_id,
        replaced_id=MATHS.user_id,
        starts_on=today - timedelta(days=28),
        ends_on=today - timedelta(days=10),
    )
    await in_service_loop(schoollife, partial(feed_roster, schoollife.runtime.storage, [ended]))
    maths = f"{LESSONS}/{(await schedule(schoollife)).json()['lesson_id']}"
    then = (TUESDAY - timedelta(weeks=2)).isoformat()  # inside the ended replacement
    answer = await schoollife.post(SUBSTITUTE, f"{maths}/occurrences/{then}/cancel", {})
    assert (answer.status_code, answer.json()["code"]) == (403, "not_your_lesson")
    assert (
        await schoollife.post(MATHS, f"{maths}/occurrences/{then}/cancel", {})
    ).status_code == 204
    # The lesson's own teacher still removes it.
    assert (await schoollife.delete(FRENCH, french)).status_code == 204


async def test_who_sees_which_week(schoollife: Schoollife) -> None:
    await schedule(schoollife)
    await schedule(
        schoollife, group_id=LATIN, subject="Latin", teacher_id=LATIN_TEACHER.user_id, weekday=4
    )
    week = "/schoollife/timetable/week"
    # A parent switches child; with two children the child must be named.
    assert [
        o["subject"] for o in await week_of(schoollife, PARENT_DOUBLE, student_id=HUGO.user_id)
    ] == ["Mathématiques", "Latin"]
    assert [
        o["subject"] for o in await week_of(schoollife, PARENT_DOUBLE, student_id=LEA.user_id)
    ] == ["Mathématiques"]
    assert (await schoollife.get(PARENT_DOUBLE, week)).status_code == 404
    assert [o["subject"] for o in await week_of(schoollife, PARENT_SIMPLE)] == [
        "Latin"
    ]  # one child: Jade
    # Another family's child, another school's parent: 404, as an unknown id.
    assert (await schoollife.get(PARENT_SIMPLE, week, student_id=LEA.user_id)).status_code == 404
    assert (await schoollife.get(PARENT_ZOE, week, student_id=LEA.user_id)).status_code == 404
    assert (await schoollife.get(LEA, week, student_id=HUGO.user_id)).status_code == 404
    assert (await schoollife.get(FRENCH, week, student_id=JADE.user_id)).status_code == 404
    assert len(await week_of(schoollife, LATIN_TEACHER, student_id=JADE.user_id)) == 1
    assert len(await week_of(schoollife, VIE_SCOLAIRE, student_id=HUGO.user_id)) == 2
    # A class's week: its students, parents, teachers, the school's staff; not another school.
    groups = "/schoollife/timetable/groups/{}/week"
    assert len(await week_of(schoollife, PARENT_DOUBLE, groups.format(CLASS_6A))) == 1
    assert (await schoollife.get(PARENT_SIMPLE, groups.format(CLASS_6A))).status_code == 404
    assert (await schoollife.get(DIRECTION, groups.format(CLASS_6B))).status_code == 404
    assert (await schoollife.get(OTHER_TEACHER, groups.format(CLASS_6A))).status_code == 404
    assert await week_of(schoollife, VIE_SCOLAIRE, groups.format(CLASS_5A)) == []
    # A teacher's week: their own; the school's staff any teacher's; nobody else.
    teachers = "/schoollife/timetable/teachers/week"
    assert len(await week_of(schoollife, VIE_SCOLAIRE, teachers, teacher_id=MATHS.user_id)) == 1
    assert (await schoollife.get(FRENCH, teachers, teacher_id=MATHS.user_id)).status_code == 404
    assert (await schoollife.get(LEA, teachers, teacher_id=MATHS.user_id)).status_code == 404
    assert (
        await schoollife.get(DIRECTION, teachers, teacher_id=OTHER_TEACHER.user_id)
    ).status_code == 404


async def test_who_may_write_the_timetable(schoollife: Schoollife) -> None:
    # A teacher schedules their own lessons for their groups only.
    answer = await schedule(schoollife, MATHS, group_id=LATIN)
    assert (answer.status_code, answer.json()["code"]) == (403, "not_teaching")
    answer = await schedule(schoollife, MATHS, group_id=CLASS_6B)
    assert answer.status_code == 404
    answer = await schedule(schoollife, MATHS, teacher_id=FRENCH.user_id)
    assert (answer.status_code, answer.json()["code"]) == (403, "own_lessons_only")
    answer = await schedule(schoollife, MATHS, teacher_id=None, group_id=CLASS_5A)
    assert answer.status_code == 201, answer.text
    assert (await schedule(schoollife, VIE_SCOLAIRE)).status_code == 403
    assert (await schedule(schoollife, LEA)).status_code == 403
    # Changes: the lesson's teacher or direction; not another teacher of the class.
    lesson_id = (await schedule(schoollife)).json()["lesson_id"]
    path = f"{LESSONS}/{lesson_id}/occurrences/{TUESDAY.isoformat()}/cancel"
    answer = await schoollife.post(FRENCH, path, {})
    assert (answer.status_code, answer.json()["code"]) == (403, "not_your_lesson")
    assert (await schoollife.post(LATIN_TEACHER, path, {})).status_code == 403
    assert (await schoollife.post(PARENT_DOUBLE, path, {})).status_code == 403
    assert (await schoollife.post(OTHER_TEACHER, path, {})).status_code == 404
    assert (await schoollife.delete(FRENCH, f"{LESSONS}/{lesson_id}")).status_code == 403
    assert (await schoollife.delete(MATHS, f"{LESSONS}/{lesson_id}")).status_code == 204
    assert await week_of(schoollife, LEA) == []
    assert (await schoollife.post(MATHS, path, {})).status_code == 404


async def test_refusals_name_the_field(schoollife: Schoollife) -> None:
    answer = await schedule(schoollife, start="10:00:00", end="09:00:00")
    assert (answer.status_code, fields(answer)) == (400, ["end"])
    answer = await schedule(schoollife, weekday=7)
    assert (answer.status_code, fields(answer)) == (400, ["weekday"])
    answer = await schedule(schoollife, teacher_id=LEA.user_id)
    assert (answer.status_code, fields(answer)) == (400, ["teacher_id"])
    lesson_id = (await schedule(schoollife)).json()["lesson_id"]
    wednesday = (TUESDAY + timedelta(days=1)).isoformat()
    answer = await schoollife.post(
        DIRECTION, f"{LESSONS}/{lesson_id}/occurrences/{wednesday}/cancel", {}
    )
    assert (answer.status_code, fields(answer)) == (400, ["day"])
    occurrence = f"{LESSONS}/{lesson_id}/occurrences/{TUESDAY.isoformat()}"
    answer = await schoollife.post(DIRECTION, f"{occurrence}/room", {"room": "B12"})
    assert (answer.status_code, fields(answer)) == (400, ["room"])
    sunday = (TUESDAY + timedelta(days=5)).isoformat()
    body = {"date": sunday, "start": "08:00:00", "end": "09:00:00"}
    answer = await schoollife.post(DIRECTION, f"{occurrence}/move", body)
    assert (answer.status_code, fields(answer)) == (400, ["date"])
    answer = await schoollife.post(DIRECTION, f"{occurrence}/cancel", {"reason": "x" * 201})
    assert (answer.status_code, fields(answer)) == (400, ["reason"])


async def test_the_day_view_gives_a_students_or_a_teachers_lessons_of_a_date(
    schoollife: Schoollife,
) -> None:
    await schedule(schoollife)
    await schedule(schoollife, weekday=3, subject="Géométrie")
    day = "/schoollife/timetable/day"
    answer = await schoollife.get(LEA, day, day=TUESDAY.isoformat())
    assert [o["subject"] for o in answer.json()["occurrences"]] == ["Mathématiques"]
    answer = await schoollife.get(MATHS, day, day=(TUESDAY + timedelta(days=1)).isoformat())
    assert [o["subject"] for o in answer.json()["occurrences"]] == ["Géométrie"]
    assert (await schoollife.get(PARENT_SIMPLE, day, student_id=LEA.user_id)).status_code == 404
