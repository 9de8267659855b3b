"""The demo collège's grades: two published evaluations per subject per class in the
current term, grades random but the same on every run (a few Abs and Disp, one optional
and one bonus evaluation). Idempotent: ids are derived from names, and creating, grading
or publishing the same evaluation again changes nothing."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

from ent_kit.auth import Identity
from ent_kit.storage import DocumentReader

from ent_schoollife.application.evaluations import Evaluations
from ent_schoollife.application.grades_views import (
    EvaluationRequest,
    GradeRequest,
    GradesRequest,
)
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.terms import Terms
from ent_schoollife.domain.terms import Term

DEMO = uuid.UUID("6f1c1f0e-3c1a-4a55-9a57-5c0e7d1e0a20")
# (title, out_of, brought_to_20) of the two evaluations of a subject
PAIR = (("Interrogation", 10.0, True), ("Contrôle", 20.0, True))


async def seed_demo_grades(
    evaluations: Evaluations,
    terms: Terms,
    reader: DocumentReader,
    roster: Roster,
    school_id: str,
    today: date,
) -> None:
    term = await terms.current(school_id, today)
    for class_index, group in enumerate(await roster.classes_of_school(school_id)):
        students = await roster.students_of(group.group_id)
        teachers = await roster.people(sorted(group.teacher_ids))
        for subject_index, teacher in enumerate(sorted(teachers.values(), key=lambda p: p.user_id)):
            if not teacher.subjects:
                continue
            me = Identity(user_id=teacher.user_id, profile="teacher", school_id=school_id)
            for n, (title, out_of, brought) in enumerate(PAIR):
                flags = _flags(class_index, subject_index, n)
                await _one(
                    evaluations,
                    me,
                    EvaluationRequest(
                        group_id=group.group_id,
                        subject=teacher.subjects[0],
                        on=_day(term, today, subject_index, n),
                        title=f"{title} {n + 1}",
                        out_of=40.0 if flags.get("out_of_40") else out_of,
                        brought_to_20=brought and not flags.get("out_of_40"),
                        optional=bool(flags.get("optional")),
                        bonus=bool(flags.get("bonus")),
                    ),
                    students,
                )


def _flags(class_index: int, subject_index: int, n: int) -> dict[str, bool]:
    """The first class shows every kind: an optional test in its first subject, a bonus
    one in its second, a test out of 40 not brought to 20 in its third."""
    if class_index != 0 or n != 1:
        return {}
    return {0: {"optional": True}, 1: {"bonus": True}, 2: {"out_of_40": True}}.get(
        subject_index, {}
    )


def _day(term: Term, today: date, subject_index: int, n: int) -> date:
    """Spread over the term so far: the second of a pair a week after the first."""
    last = min(today, term.ends_on)
    day = last - timedelta(days=(subject_index % 5) + 7 * (1 - n) + 1)
    return max(day, term.starts_on)


async def _one(
    evaluations: Evaluations, me: Identity, request: EvaluationRequest, students: list[str]
) -> None:
    name = f"{request.group_id}/{request.subject}/{request.title}"
    evaluation_id = str(uuid.uuid5(DEMO, name))
    rng = random.Random(name)
    grades = [GradeRequest(student_id=s, **_grade(rng, request.out_of)) for s in students]
    await evaluations.publish_graded(me, request, GradesRequest(grades=grades), evaluation_id)


def _grade(rng: random.Random, out_of: float) -> dict[str, Any]:
    """Mostly a grade around 13/20 in half points; now and then Abs or Disp."""
    draw = rng.random()
    if draw < 0.04:
        return {"marker": "Abs"}
    if draw < 0.06:
        return {"marker": "Disp"}
    on_20 = min(20.0, max(2.0, rng.gauss(13, 3.5)))
    return {"value": round(on_20 * out_of / 20 * 2) / 2}
