"""Grades through HTTP: who writes and who sees, publication, refusals naming the student,
averages computed at consultation time."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from ent_kit.auth import Identity
from ent_schoollife.domain.terms import school_year_start
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
    SUBSTITUTE,
    TOM,
    VIE_SCOLAIRE,
    Schoollife,
    schoollife,
)

__all__ = ["schoollife"]
EVALUATIONS = "/schoollife/grades/evaluations"


def today(schoollife: Schoollife) -> date:
    return schoollife.runtime.settings.now().date()  # type: ignore[attr-defined, no-any-return]


async def evaluation(
    schoollife: Schoollife,
    who: Identity = MATHS,
    group_id: str = CLASS_6A,
    subject: str = "Mathématiques",
    **changes: Any,
) -> str:
    body = {
        "group_id": group_id,
        "subject": subject,
        "on": today(schoollife).isoformat(),
        "title": "Contrôle",
        "out_of": 20,
        **changes,
    }
    answer = await schoollife.post(who, EVALUATIONS, body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["evaluation"]["evaluation_id"])


async def grade(
    schoollife: Schoollife, evaluation_id: str, grades: dict[str, Any], who: Identity = MATHS
) -> Any:
    body = {
        "grades": [
            {"student_id": s, "marker": g} if isinstance(g, str) else {"student_id": s, "value": g}
            for s, g in grades.items()
        ]
    }
    return await schoollife.put(who, f"{EVALUATIONS}/{evaluation_id}/grades", body)


async def publish(schoollife: Schoollife, evaluation_id: str, who: Identity = MATHS) -> None:
    answer = await schoollife.post(who, f"{EVALUATIONS}/{evaluation_id}/publish")
    assert answer.status_code == 200, answer.text


async def test_students_and_parents_see_an_evaluation_only_once_published(
    schoollife: Schoollife,
) -> None:
    evaluation_id = await evaluation(schoollife)
    assert (
        await grade(schoollife, evaluation_id, {LEA.user_id: 15, HUGO.user_id: "Abs"})
    ).status_code == 200
    for who, params in ((LEA, {}), (PARENT_DOUBLE, {"student_id": LEA.user_id})):
        hidden = await schoollife.get(who, "/schoollife/grades/chronological", **params)
        assert hidden.status_code == 200, hidden.text
        assert hidden.json()["grades"] == []
        latest = await schoollife.get(who, "/schoollife/grades/latest", **params)
        assert latest.json()["items"] == []

    await publish(schoollife, evaluation_id)
    for who, params in ((LEA, {}), (PARENT_DOUBLE, {"student_id": LEA.user_id})):
        seen = (await schoollife.get(who, "/schoollife/grades/chronological", **params)).json()
        [line] = seen["grades"]
        assert (line["value"], line["marker"], line["class_average"]) == (15, None, 15)
        assert (line["class_min"], line["class_max"]) == (15, 15)
        assert seen["overall_average"] == 15
        latest = (await schoollife.get(who, "/schoollife/grades/latest", **params)).json()
        assert [(i["title"], i["value"]) for i in latest["items"]] == [("Contrôle", 15)]
    hugo = (await schoollife.get(HUGO, "/schoollife/grades/chronological")).json()
    assert [(g["value"], g["marker"]) for g in hugo["grades"]] == [(None, "Abs")]
    assert hugo["overall_average"] is None

    # A change after publication is shown at once, and becomes the latest.
    await grade(schoollife, evaluation_id, {LEA.user_id: 17.5})
    latest = (await schoollife.get(LEA, "/schoollife/grades/latest")).json()
    assert [i["value"] for i in latest["items"]] == [17.5]


async def test_a_parent_cannot_see_another_familys_child(schoollife: Schoollife) -> None:
    evaluation_id = await evaluation(schoollife)
    await grade(schoollife, evaluation_id, {LEA.user_id: 12})
    await publish(schoollife, evaluation_id)
    for path in ("chronological", "by-subject", "latest", "competencies"):
        answer = await schoollife.get(
            PARENT_SIMPLE, f"/schoollife/grades/{path}", student_id=LEA.user_id
        )
        assert answer.status_code == 404, (path, answer.text)
    # A student sees only themselves.
    other = await schoollife.get(HUGO, "/schoollife/grades/chronological", student_id=LEA.user_id)
    assert other.status_code == 404


async def test_a_teacher_cannot_grade_a_group_they_do_not_teach(schoollife: Schoollife) -> None:
    body = {"group_id": CLASS_5A, "subject": "Français", "on": "2026-10-01", "title": "Dictée"}
    refused = await schoollife.post(FRENCH, EVALUATIONS, body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_teaching"
    # Another school's group does not exist for them.
    other_school = await schoollife.post(MATHS, EVALUATIONS, {**body, "group_id": CLASS_6B})
    assert other_school.status_code == 404
    # A subject they do not teach.
    latin = await schoollife.post(MATHS, EVALUATIONS, {**body, "group_id": CLASS_6A})
    assert latin.status_code == 403
    assert latin.json()["code"] == "not_your_subject"
    # Nor grade, publish or delete another teacher's evaluation of a group not theirs.
    latin_id = await evaluation(schoollife, LATIN_TEACHER, LATIN, "Latin")
    assert (await grade(schoollife, latin_id, {HUGO.user_id: 10})).status_code == 403
    assert (await schoollife.post(MATHS, f"{EVALUATIONS}/{latin_id}/publish")).status_code == 403
    assert (await schoollife.delete(MATHS, f"{EVALUATIONS}/{latin_id}")).status_code == 403
    # Students, parents and vie scolaire do not create evaluations.
    for who in (LEA, PARENT_DOUBLE, VIE_SCOLAIRE):
        answer = await schoollife.post(who, EVALUATIONS, {**body, "group_id": CLASS_6A})
        assert answer.status_code in (403, 404), who


async def test_a_substitute_grades_the_replaced_teachers_subject_and_direction_any(
    schoollife: Schoollife,
) -> None:
    french_id = await evaluation(schoollife, FRENCH, CLASS_6A, "Français")
    assert (await grade(schoollife, french_id, {LEA.user_id: 11}, SUBSTITUTE)).status_code == 200
    await evaluation(schoollife, SUBSTITUTE, CLASS_6A, "Français")
    await evaluation(schoollife, DIRECTION, CLASS_5A, "Musique")


async def test_a_grade_above_out_of_or_for_a_stranger_is_refused_naming_the_student(
    schoollife: Schoollife,
) -> None:
    evaluation_id = await evaluation(schoollife, out_of=10)
    above = await grade(schoollife, evaluation_id, {HUGO.user_id: 12, LEA.user_id: 10.5})
    assert above.status_code == 400
    problem = above.json()
    assert [(e["field"], e["reason"]) for e in problem["errors"]] == [
        ("grades[0].value", "above_out_of"),
        ("grades[1].value", "above_out_of"),
    ]
    assert "Hugo Martin" in problem["errors"][0]["message"]
    assert "Léa Martin" in problem["errors"][1]["message"]

    stranger = await grade(schoollife, evaluation_id, {LEA.user_id: 8, TOM.user_id: 9})
    assert stranger.status_code == 400
    [error] = stranger.json()["errors"]
    assert (error["field"], error["reason"]) == ("grades[1].student_id", "not_in_group")
    assert TOM.user_id in error["message"]

    quarter = await grade(schoollife, evaluation_id, {LEA.user_id: 8.3})
    assert quarter.json()["errors"][0]["reason"] == "not_quarter_point"
    # Nothing of the refused entries was kept.
    sheet = (await schoollife.get(MATHS, f"{EVALUATIONS}/{evaluation_id}")).json()
    assert [(r["student"]["display_name"], r["value"]) for r in sheet["rows"]] == [
        ("Hugo Martin", None),
        ("Léa Martin", None),
    ]


async def test_averages_by_subject_with_coefficients_scales_optional_bonus_and_markers(
    schoollife: Schoollife,
) -> None:
    """Léa in 6A, computed by hand (Hugo's grades make the class's)."""
    lea, hugo = LEA.user_id, HUGO.user_id
    # Maths: 12/20 coefficient 2; 30/40 not brought to 20 (15, weight 2); 18/20 optional
    # (raises: kept); 16/20 bonus (+6 * 1); Abs coefficient 5 (nothing).
    # Léa: (12*2 + 15*2 + 18*1 + 6) / 5 = 78 / 5 = 15.6
    # Hugo: 8*2 + 20*2 (40/40) = 56 / 4 = 14; optional 10 < 14 not kept; bonus Disp
    for changes, grades in (
        ({"coefficient": 2}, {lea: 12, hugo: 8}),
        ({"out_of": 40, "brought_to_20": False}, {lea: 30, hugo: 40}),
        ({"optional": True}, {lea: 18, hugo: 10}),
        ({"bonus": True}, {lea: 16, hugo: "Disp"}),
        ({"coefficient": 5}, {lea: "Abs", hugo: "Abs"}),
    ):
        evaluation_id = await evaluation(schoollife, **changes)
        await grade(schoollife, evaluation_id, grades)
        await publish(schoollife, evaluation_id)
    # Français, 14/20 and 5/10 (brought to 20: 10): Léa 12; Hugo 9/20 only: 9.
    for grades in ({lea: 14, hugo: 9}, {lea: 5}):
        out_of = 20 if hugo in grades else 10
        evaluation_id = await evaluation(schoollife, FRENCH, subject="Français", out_of=out_of)
        await grade(schoollife, evaluation_id, grades, FRENCH)
        await publish(schoollife, evaluation_id, FRENCH)
    # An unpublished evaluation changes nothing.
    hidden = await evaluation(schoollife)
    await grade(schoollife, hidden, {lea: 0})
    # Direction weighs Maths 3: Léa (15.6*3 + 12) / 4 = 14.7; Hugo (14*3 + 9) / 4 = 12.75
    answer = await schoollife.put(
        DIRECTION, "/schoollife/grades/coefficients/Mathématiques", {"coefficient": 3}
    )
    assert answer.status_code == 200, answer.text

    seen = await schoollife.get(PARENT_DOUBLE, "/schoollife/grades/by-subject", student_id=lea)
    assert seen.status_code == 200, seen.text
    body = seen.json()
    subjects = {s["subject"]: s for s in body["subjects"]}
    assert subjects["Mathématiques"]["average"] == 15.6
    assert subjects["Mathématiques"]["coefficient"] == 3
    assert subjects["Mathématiques"]["class_average"] == pytest.approx(14.8)  # (15.6 + 14) / 2
    assert len(subjects["Mathématiques"]["grades"]) == 5
    assert subjects["Français"]["average"] == 12
    assert subjects["Français"]["class_average"] == 10.5  # (12 + 9) / 2
    assert body["overall_average"] == 14.7
    assert body["class_overall_average"] == pytest.approx(13.73)  # (14.7 + 12.75) / 2
    out_of_40 = next(g for g in subjects["Mathématiques"]["grades"] if g["out_of"] == 40)
    assert (out_of_40["class_average"], out_of_40["class_min"], out_of_40["class_max"]) == (
        35,
        30,
        40,
    )

    chronological = (await schoollife.get(LEA, "/schoollife/grades/chronological")).json()
    assert len(chronological["grades"]) == 7
    assert chronological["overall_average"] == 14.7

    averages = await schoollife.get(MATHS, f"/schoollife/grades/groups/{CLASS_6A}/averages")
    assert averages.status_code == 200, averages.text
    rows = {r["student"]["display_name"]: r for r in averages.json()["students"]}
    assert rows["Léa Martin"]["overall"] == 14.7
    assert rows["Hugo Martin"]["overall"] == 12.75
    assert (
        await schoollife.get(LEA, f"/schoollife/grades/groups/{CLASS_6A}/averages")
    ).status_code == 403


async def test_terms_are_the_schools_once_the_direction_defines_them(
    schoollife: Schoollife,
) -> None:
    day = today(schoollife)
    year = day.year if day.month >= 9 else day.year - 1
    default = (await schoollife.get(LEA, "/schoollife/grades/terms")).json()
    assert len(default["terms"]) == 3
    semesters = {
        "school_year": year,
        "terms": [
            {"name": "Semestre 1", "starts_on": f"{year}-09-01", "ends_on": f"{year + 1}-01-31"},
            {
                "name": "Semestre 2",
                "starts_on": f"{year + 1}-02-01",
                "ends_on": f"{year + 1}-07-05",
            },
        ],
    }
    assert (await schoollife.put(MATHS, "/schoollife/grades/terms", semesters)).status_code == 403
    answer = await schoollife.put(DIRECTION, "/schoollife/grades/terms", semesters)
    assert answer.status_code == 200, answer.text
    defined = (await schoollife.get(LEA, "/schoollife/grades/terms")).json()
    assert [t["term_id"] for t in defined["terms"]] == [
        f"{year}-{year + 1}-S1",
        f"{year}-{year + 1}-S2",
    ]
    gap = {
        **semesters,
        "terms": [
            semesters["terms"][0],
            {**semesters["terms"][1], "starts_on": f"{year + 1}-02-03"},
        ],
    }  # type: ignore[dict-item]
    refused = await schoollife.put(DIRECTION, "/schoollife/grades/terms", gap)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "terms[1].starts_on"
    unknown = await schoollife.get(LEA, "/schoollife/grades/chronological", term_id="nope")
    assert unknown.status_code == 404


async def test_a_published_evaluation_is_not_deleted_an_unpublished_one_is(
    schoollife: Schoollife,
) -> None:
    draft = await evaluation(schoollife)
    assert (await schoollife.delete(MATHS, f"{EVALUATIONS}/{draft}")).status_code == 204
    assert (await schoollife.get(MATHS, f"{EVALUATIONS}/{draft}")).status_code == 404
    published = await evaluation(schoollife)
    await publish(schoollife, published)
    assert (await schoollife.delete(MATHS, f"{EVALUATIONS}/{published}")).status_code == 409


async def test_teachers_list_their_groups_evaluations_and_staff_reads_them(
    schoollife: Schoollife,
) -> None:
    await evaluation(schoollife, title="Un")
    await evaluation(schoollife, FRENCH, subject="Français", title="Deux")
    mine = await schoollife.get(MATHS, EVALUATIONS, group_id=CLASS_6A, mine=True)
    assert [e["title"] for e in mine.json()["items"]] == ["Un"]
    every = await schoollife.get(VIE_SCOLAIRE, EVALUATIONS, group_id=CLASS_6A)
    assert sorted(e["title"] for e in every.json()["items"]) == ["Deux", "Un"]
    assert (await schoollife.get(MATHS, EVALUATIONS, group_id=LATIN)).status_code == 403
    student = await schoollife.get(LEA, EVALUATIONS, group_id=CLASS_6A)
    assert (student.status_code, student.json()["code"]) == (403, "staff_only")
    assert (await schoollife.get(JADE, EVALUATIONS, group_id=CLASS_6A)).status_code == 403


async def test_competencies_are_assessed_on_four_levels_and_shown_once_published(
    schoollife: Schoollife,
) -> None:
    body = {
        "group_id": CLASS_6A,
        "subject": "Mathématiques",
        "on": today(schoollife).isoformat(),
        "title": "Géométrie",
        "items": ["Tracer un cercle", "Mesurer un angle"],
    }
    created = await schoollife.post(MATHS, "/schoollife/grades/competency-evaluations", body)
    assert created.status_code == 201, created.text
    evaluation_id = created.json()["evaluation"]["evaluation_id"]
    path = f"/schoollife/grades/competency-evaluations/{evaluation_id}"
    levels = {
        "assessments": [
            {"student_id": LEA.user_id, "item_id": "item-1", "level": "tres_bonne_maitrise"},
            {"student_id": LEA.user_id, "item_id": "item-2", "level": "fragile"},
        ]
    }
    assert (await schoollife.put(MATHS, f"{path}/levels", levels)).status_code == 200
    stranger = {
        "assessments": [{"student_id": TOM.user_id, "item_id": "item-1", "level": "fragile"}]
    }
    refused = await schoollife.put(MATHS, f"{path}/levels", stranger)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "assessments[0].student_id"
    assert (await schoollife.get(LEA, "/schoollife/grades/competencies")).json()[
        "evaluations"
    ] == []
    assert (await schoollife.post(FRENCH, f"{path}/publish")).status_code == 403
    assert (await schoollife.post(MATHS, f"{path}/publish")).status_code == 200
    seen = (await schoollife.get(LEA, "/schoollife/grades/competencies")).json()
    [shown] = seen["evaluations"]
    assert [(i["label"], i["level"]) for i in shown["items"]] == [
        ("Tracer un cercle", "tres_bonne_maitrise"),
        ("Mesurer un angle", "fragile"),
    ]
    hugo = (await schoollife.get(HUGO, "/schoollife/grades/competencies")).json()
    assert [i["level"] for i in hugo["evaluations"][0]["items"]] == [None, None]


async def test_an_evaluation_of_another_term_is_not_in_the_current_one(
    schoollife: Schoollife,
) -> None:
    day = today(schoollife)
    old = day - timedelta(days=400)
    evaluation_id = await evaluation(schoollife, on=old.isoformat())
    await grade(schoollife, evaluation_id, {LEA.user_id: 3})
    await publish(schoollife, evaluation_id)
    seen = (await schoollife.get(LEA, "/schoollife/grades/chronological")).json()
    assert seen["grades"] == []


async def test_the_demo_seed_publishes_two_evaluations_per_subject_per_class_once(
    schoollife: Schoollife,
) -> None:
    from ent_schoollife.application.demo_grades import seed_demo_grades
    from ent_schoollife.application.roster import Roster
    from ent_schoollife.application.terms import Terms
    from ent_schoollife.wiring import grades as grades_wiring

    runtime = schoollife.runtime
    documents = runtime.storage.documents

    async def seed() -> None:
        await seed_demo_grades(
            grades_wiring.evaluations(runtime),
            Terms(documents),
            documents,
            Roster(documents),
            "school-1",
            today(schoollife),
        )

    # In the app's own loop, where its projectors run (commands wait for them).
    schoollife.client.blocking_portal.call(seed)
    events = await runtime.storage.events.last_position()
    schoollife.client.blocking_portal.call(seed)
    assert await runtime.storage.events.last_position() == events  # nothing new
    six_a = (await schoollife.get(DIRECTION, EVALUATIONS, group_id=CLASS_6A)).json()["items"]
    # 6A: Maths and Français, two each; 5A: Maths only.
    assert sorted((e["subject"], e["published"]) for e in six_a) == [
        ("Français", True),
        ("Français", True),
        ("Mathématiques", True),
        ("Mathématiques", True),
    ]
    five_a = (await schoollife.get(DIRECTION, EVALUATIONS, group_id=CLASS_5A)).json()["items"]
    assert len(five_a) == 2
    assert any(e["optional"] for e in five_a)  # the first class (by name) shows each kind
    seen = (await schoollife.get(LEA, "/schoollife/grades/by-subject")).json()
    assert {s["subject"] for s in seen["subjects"]} == {"Français", "Mathématiques"}


async def test_every_classmate_sees_the_same_class_averages_over_all_their_groups(
    schoollife: Schoollife,
) -> None:
    """Léa and Hugo are in 6A; Hugo also takes Latin with Jade of 5A. The class figures
    count Hugo's Latin (he is of the class) but never Jade's (she is not), and both
    classmates, the class's averages page and (so) the report cards agree."""
    maths = await evaluation(schoollife)
    await grade(schoollife, maths, {LEA.user_id: 10, HUGO.user_id: 14})
    await publish(schoollife, maths)
    latin = await evaluation(schoollife, LATIN_TEACHER, LATIN, "Latin")
    await grade(schoollife, latin, {HUGO.user_id: 20, JADE.user_id: 8}, LATIN_TEACHER)
    await publish(schoollife, latin, LATIN_TEACHER)

    lea = (await schoollife.get(LEA, "/schoollife/grades/by-subject")).json()
    hugo = (await schoollife.get(HUGO, "/schoollife/grades/by-subject")).json()
    assert (lea["overall_average"], hugo["overall_average"]) == (10, 17)
    assert lea["class_overall_average"] == hugo["class_overall_average"] == 13.5
    [hugo_latin] = [s for s in hugo["subjects"] if s["subject"] == "Latin"]
    assert (hugo_latin["class_average"], hugo_latin["class_min"]) == (20, 20)  # not Jade's 8
    page = await schoollife.get(MATHS, f"/schoollife/grades/groups/{CLASS_6A}/averages")
    assert page.status_code == 200, page.text
    assert page.json()["overall"] == 13.5
    # A later grade counts at once for everyone (nothing computed before is kept).
    await grade(schoollife, latin, {HUGO.user_id: 12}, LATIN_TEACHER)
    lea = (await schoollife.get(LEA, "/schoollife/grades/by-subject")).json()
    assert lea["class_overall_average"] == 11.5


async def test_a_term_of_last_school_year_opens_alike_in_every_area(schoollife: Schoollife) -> None:
    """One way to find a term by id (`Terms`): grades, vie scolaire and report cards all
    accept last school year's term ids, and refuse alike an id that is no term."""
    year = school_year_start(today(schoollife)) - 1
    label = f"{year}-{year + 1}"
    last, unknown = f"{label}-T1", f"{label}-T9"
    chronological = await schoollife.get(LEA, "/schoollife/grades/chronological", term_id=last)
    assert chronological.status_code == 200, chronological.text
    assert chronological.json()["term"]["term_id"] == last
    assert [t["term_id"] for t in chronological.json()["terms"]] == [
        f"{label}-T{i}" for i in (1, 2, 3)
    ]
    paths = [
        (LEA, "/schoollife/grades/by-subject", {"term_id": ""}),
        (MATHS, f"/schoollife/grades/groups/{CLASS_6A}/averages", {"term_id": ""}),
        (LEA, "/schoollife/vie-scolaire/absences", {"term_id": ""}),
        (LEA, "/schoollife/vie-scolaire/lateness", {"term_id": ""}),
        (MATHS, f"/schoollife/report-cards/classes/{CLASS_6A}/terms/{{term_id}}", {}),
    ]
    for who, path, params in paths:
        for term_id, expected in ((last, 200), (unknown, 404)):
            asked = {k: term_id for k in params}
            answer = await schoollife.get(who, path.format(term_id=term_id), **asked)
            assert answer.status_code == expected, (path, term_id, answer.text)
