"""Who sees whom in school life: the roster kept from the directory's events decides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.people import Group, Substitution, teaches
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
    PARENT_DOUBLE,
    PARENT_SIMPLE,
    PARENT_ZOE,
    SUBSTITUTE,
    TOM,
    VIE_SCOLAIRE,
    ZOE,
    Schoollife,
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
