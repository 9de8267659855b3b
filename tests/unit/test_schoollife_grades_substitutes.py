"""A substitute listed with no subject of their own (as the demo's M. Remplaçant) grades
the subject of the teacher they replace, never the group's other subjects: not a Français
evaluation of a colleague, nor one of their own in Français, nor a Français appreciation on a
report card (bug found by the authorization matrix: "no subject listed" was read as "every
subject")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ent_contracts.directory import SubstitutionScheduled
from ent_schoollife.application.roster_projection import RosterProjection
from ent_schoollife.domain.terms import default_terms, term_of
from kit_fixtures import envelope, user_registered
from schoollife_fixtures import (
    CLASS_6A,
    FRENCH,
    LEA,
    MATHS,
    SCHOOL,
    Schoollife,
    _who,
    schoollife,
)

__all__ = ["schoollife"]
EVALUATIONS = "/schoollife/grades/evaluations"
COMPETENCIES = "/schoollife/grades/competency-evaluations"
STAND_IN = _who("teacher-stand-in", "teacher")  # no subject in the directory


async def _stand_in_for_maths(schoollife: Schoollife) -> None:
    today = datetime.now(UTC).date()
    events = [
        user_registered(
            STAND_IN.user_id, SCHOOL, first_name="Sam", last_name="Suppléant", profile="teacher"
        ),
        SubstitutionScheduled(
            substitution_id="sub-stand-in",
            school_id=SCHOOL,
            substitute_id=STAND_IN.user_id,
            replaced_id=MATHS.user_id,
            starts_on=today - timedelta(days=7),
            ends_on=today + timedelta(days=7),
        ),
    ]
    roster = RosterProjection()
    async with schoollife.runtime.storage.documents.transaction() as tx:
        for n, event in enumerate(events, start=1000):
            await roster.apply(tx, envelope(event, f"directory-{n}", n), event)


def _body(schoollife: Schoollife, subject: str) -> dict[str, object]:
    day = schoollife.runtime.settings.now().date()
    return {"group_id": CLASS_6A, "subject": subject, "on": day.isoformat(), "title": "Test"}


async def test_a_substitute_with_no_subject_grades_only_the_replaced_teachers(
    schoollife: Schoollife,
) -> None:
    await _stand_in_for_maths(schoollife)
    maths = await schoollife.post(STAND_IN, EVALUATIONS, _body(schoollife, "Mathématiques"))
    assert maths.status_code == 201, maths.text
    french = await schoollife.post(STAND_IN, EVALUATIONS, _body(schoollife, "Français"))
    assert french.status_code == 403, french.text
    assert french.json()["code"] == "not_your_subject"
    # Nor grade, publish or delete a colleague's Français evaluation of the group.
    created = await schoollife.post(FRENCH, EVALUATIONS, _body(schoollife, "Français"))
    colleague = f"{EVALUATIONS}/{created.json()['evaluation']['evaluation_id']}"
    grades = {"grades": [{"student_id": LEA.user_id, "value": 2}]}
    assert (await schoollife.put(STAND_IN, f"{colleague}/grades", grades)).status_code == 403
    assert (await schoollife.post(STAND_IN, f"{colleague}/publish")).status_code == 403
    assert (await schoollife.delete(STAND_IN, colleague)).status_code == 403
    # Competency evaluations alike.
    body = {**_body(schoollife, "Français"), "items": ["Lire"]}
    assert (await schoollife.post(STAND_IN, COMPETENCIES, body)).status_code == 403
    body = {**_body(schoollife, "Mathématiques"), "items": ["Calculer"]}
    assert (await schoollife.post(STAND_IN, COMPETENCIES, body)).status_code == 201


async def test_a_substitute_with_no_subject_appreciates_only_in_the_replaced_teachers(
    schoollife: Schoollife,
) -> None:
    await _stand_in_for_maths(schoollife)
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    term = term_of(default_terms(today), today)
    assert term is not None
    path = f"/schoollife/report-cards/classes/{CLASS_6A}/terms/{term.term_id}/appreciations"
    body = {"student_id": LEA.user_id, "text": "Bien", "subject": "Français"}
    french = await schoollife.put(STAND_IN, path, body)
    assert french.status_code == 403, french.text
    assert french.json()["code"] == "not_your_subject"
    maths = await schoollife.put(STAND_IN, path, {**body, "subject": "Mathématiques"})
    assert maths.status_code == 204, maths.text
