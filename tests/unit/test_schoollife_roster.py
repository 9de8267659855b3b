"""Who sees whom in school life: the roster kept from the directory's events decides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from ent_contracts.directory import FamilyLinked
from ent_kit.errors import NotFound
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.people import Group, Substitution, teaches
from ent_schoollife.settings import SchoollifeSettings
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
    OTHER_SCHOOL,
    PARENT_DOUBLE,
    PARENT_SIMPLE,
    PARENT_ZOE,
    SCHOOL,
    SUBSTITUTE,
    TOM,
    VIE_SCOLAIRE,
    ZOE,
    Schoollife,
    feed_roster,
    in_service_loop,
    schoollife,
)

__all__ = ["schoollife"]
TODAY = datetime.now(UTC).date()


def test_a_substitute_teaches_the_replaced_teachers_groups_only_during_the_period() -> None:
    group = Group(
        group_id="g", school_id="s", kind="class", name="6A", teacher_ids=frozenset({"t"})
    )
    covering = Substitution(
        substitute_id="sub", replaced_id="t", starts_on=TODAY, ends_on=TODAY + timedelta(days=2)
    )
    assert teaches("t", group, [], TODAY)
    assert teaches("sub", group, [covering], TODAY + timedelta(days=2))
    assert not teaches("sub", group, [covering], TODAY + timedelta(days=3))
    assert not teaches("sub", group, [covering], TODAY - timedelta(days=1))
    assert not teaches("other", group, [covering], TODAY)


async def test_a_parent_sees_each_child_and_switches_between_them(schoollife: Schoollife) -> None:
    answer = await schoollife.get(PARENT_DOUBLE, "/schoollife/me")
    assert answer.status_code == 200, answer.text
    me = answer.json()
    assert me["user"]["profile"] == "parent"
    assert [(c["display_name"], [g["name"] for g in c["classes"]]) for c in me["children"]] == [
        ("Hugo Martin", ["6A"]),
        ("Léa Martin", ["6A"]),
    ]


async def test_a_teacher_sees_the_groups_they_teach_and_a_substitute_the_replaced_ones(
    schoollife: Schoollife,
) -> None:
    maths = (await schoollife.get(MATHS, "/schoollife/me")).json()
    assert [g["name"] for g in maths["groups_taught"]] == ["5A", "6A"]
    substitute = (await schoollife.get(SUBSTITUTE, "/schoollife/me")).json()
    assert [g["name"] for g in substitute["groups_taught"]] == ["6A"]
    student = (await schoollife.get(LEA, "/schoollife/me")).json()
    assert [g["name"] for g in student["classes"]] == ["6A"]
    assert student["groups_taught"] == []
    assert student["children"] == []


async def test_an_account_the_roster_does_not_know_is_refused(schoollife: Schoollife) -> None:
    from ent_kit.auth import Identity

    stranger = Identity(user_id="nobody", profile="student", school_id="school-1")
    answer = await schoollife.get(stranger, "/schoollife/me")
    assert answer.status_code == 403
    assert answer.json()["code"] == "unknown_viewer"


async def test_who_may_follow_which_student(schoollife: Schoollife) -> None:
    roster = Roster(schoollife.runtime.storage.documents)

    async def follows(who_id: str, student_id: str) -> bool:
        viewer = await roster.person(who_id)
        assert viewer is not None
        try:
            await roster.visible_student(viewer, student_id, TODAY)
        except Exception:
            return False
        return True

    assert await follows(LEA.user_id, LEA.user_id)
    assert not await follows(LEA.user_id, HUGO.user_id)  # a sibling is another student
    assert await follows(PARENT_DOUBLE.user_id, HUGO.user_id)
    assert not await follows(PARENT_SIMPLE.user_id, LEA.user_id)
    assert not await follows(PARENT_ZOE.user_id, LEA.user_id)
    assert await follows(FRENCH.user_id, LEA.user_id)
    assert not await follows(FRENCH.user_id, JADE.user_id)  # 5A is not hers
    assert await follows(LATIN_TEACHER.user_id, JADE.user_id)  # through the Latin group
    assert not await follows(LATIN_TEACHER.user_id, TOM.user_id)
    assert await follows(SUBSTITUTE.user_id, LEA.user_id)
    assert await follows(VIE_SCOLAIRE.user_id, TOM.user_id)
    assert await follows(DIRECTION.user_id, TOM.user_id)
    assert not await follows(DIRECTION.user_id, ZOE.user_id)  # another school


async def test_a_parent_in_another_school_reads_their_childs_groups(
    schoollife: Schoollife,
) -> None:
    """A family may span schools: Zoé's parent (school-2) also has Léa (school-1)."""
    link = FamilyLinked(parent_id=PARENT_ZOE.user_id, student_id=LEA.user_id)
    await in_service_loop(schoollife, partial(feed_roster, schoollife.runtime.storage, [link]))
    roster = Roster(schoollife.runtime.storage.documents)
    parent = await roster.person(PARENT_ZOE.user_id)
    assert parent is not None
    assert (await roster.visible_group(parent, CLASS_6A, TODAY)).group_id == CLASS_6A
    assert (await roster.visible_group(parent, CLASS_6B, TODAY)).group_id == CLASS_6B
    with pytest.raises(NotFound):  # Léa is not in the Latin group
        await roster.visible_group(parent, LATIN, TODAY)
    week = await schoollife.get(PARENT_ZOE, f"/schoollife/timetable/groups/{CLASS_6A}/week")
    assert week.status_code == 200, week.text
    lesson = {
        "group_id": CLASS_6A,
        "subject": "Mathématiques",
        "teacher_id": MATHS.user_id,
        "weekday": 2,
        "start": "08:00:00",
        "end": "09:00:00",
    }
    scheduled = await schoollife.post(DIRECTION, "/schoollife/timetable/lessons", lesson)
    assert scheduled.status_code == 201, scheduled.text
    plan = f"/schoollife/timetable/lessons/{scheduled.json()['lesson_id']}"
    assert (await schoollife.get(PARENT_ZOE, plan)).status_code == 200
    assert (await schoollife.get(PARENT_SIMPLE, plan)).status_code == 404  # not her child's
    # Nobody else crosses schools: another school's staff and teachers still get 404.
    for who in (DIRECTION.user_id, MATHS.user_id, LEA.user_id):
        viewer = await roster.person(who)
        assert viewer is not None
        with pytest.raises(NotFound):
            await roster.visible_group(viewer, CLASS_6B, TODAY)


async def test_me_lists_a_substitutes_groups_on_the_schools_day_not_utcs(
    schoollife: Schoollife, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`GET /me` reads the day from the school's clock (`settings.now`), as every area."""
    path = "/schoollife/me"

    def taught(answer: Any) -> list[str]:
        assert answer.status_code == 200, answer.text
        return sorted(g["group_id"] for g in answer.json()["groups_taught"])

    assert taught(await schoollife.get(SUBSTITUTE, path)) == [CLASS_6A]
    # The school's clock a month ahead (the replacement, a week ahead at most, is over).
    ahead = datetime.now() + timedelta(days=30)
    monkeypatch.setattr(SchoollifeSettings, "now", lambda self: ahead)
    assert taught(await schoollife.get(SUBSTITUTE, path)) == []


async def test_who_may_write_for_which_group(schoollife: Schoollife) -> None:
    roster = Roster(schoollife.runtime.storage.documents)

    async def status(who_id: str, group_id: str) -> int:
        viewer = await roster.person(who_id)
        assert viewer is not None
        try:
            await roster.taught_group(viewer, group_id, TODAY)
        except Exception as refused:
            return {"NotFound": 404, "Forbidden": 403}[type(refused).__name__]
        return 200

    assert await status(MATHS.user_id, CLASS_5A) == 200
    assert await status(FRENCH.user_id, CLASS_5A) == 403
    assert await status(SUBSTITUTE.user_id, CLASS_6A) == 200
    assert await status(SUBSTITUTE.user_id, LATIN) == 403
    assert await status(DIRECTION.user_id, LATIN) == 200
    assert await status(MATHS.user_id, CLASS_6B) == 404  # another school's group
    assert await status(MATHS.user_id, "no-such-group") == 404


async def test_the_classes_of_a_school_by_name_with_their_teachers(schoollife: Schoollife) -> None:
    """What every demo seed walks through (one indexed query on the groups)."""
    roster = Roster(schoollife.runtime.storage.documents)
    classes = await roster.classes_of_school(SCHOOL)
    assert [(g.group_id, g.name) for g in classes] == [(CLASS_5A, "5A"), (CLASS_6A, "6A")]
    assert classes[1].teacher_ids == {MATHS.user_id, FRENCH.user_id}
    assert all(g.is_class and g.school_id == SCHOOL for g in classes)
    teaching = await roster.groups_of_school(SCHOOL, "teaching")
    assert [(g.group_id, g.teacher_ids) for g in teaching] == [
        (LATIN, frozenset({LATIN_TEACHER.user_id}))
    ]
    assert [g.group_id for g in await roster.classes_of_school(OTHER_SCHOOL)] == [CLASS_6B]
    assert await roster.classes_of_school("no-such-school") == []
