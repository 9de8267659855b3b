"""What school life's events tell their consumers without a read-back: the school, the
group, the subject and the times a notification or a "cours du jour" needs, the weighting
an average needs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ent_contracts import DomainEvent
from ent_contracts.registry import decode_payload
from schoollife_fixtures import (
    CLASS_6A,
    DIRECTION,
    LEA,
    MATHS,
    PARENT_DOUBLE,
    SCHOOL,
    VIE_SCOLAIRE,
    Schoollife,
    schoollife,
)
from test_schoollife_grades import evaluation, grade, publish
from test_schoollife_notebook import BASE, given
from test_schoollife_notebook_hand_ins import hand_in
from test_schoollife_timetable import LESSONS, NEXT_WEEK, TUESDAY, schedule
from test_schoollife_vie_scolaire import PDF, justify_with_document, recorded

__all__ = ["schoollife"]


async def events_of(schoollife: Schoollife, event_type: str) -> list[Any]:
    stored = await schoollife.runtime.storage.events.read_all(0, 10_000)
    found: list[DomainEvent] = [decode_payload(s.envelope) for s in stored]
    return [e for e in found if e.event_type == f"schoollife.{event_type}"]


async def test_notebook_events_name_school_group_subject_and_due_date(
    schoollife: Schoollife,
) -> None:
    homework = await given(schoollife, hand_in=True, due_time="17:30:00")
    path = f"{BASE}/homework/{homework['homework_id']}"
    change = {"title": "Exercices p. 43", "due_on": homework["due_at"][:10], "hand_in": True}
    assert (await schoollife.put(MATHS, path, change)).status_code == 200
    assert (await hand_in(schoollife, homework["homework_id"], LEA)).status_code == 201
    [changed] = await events_of(schoollife, "HomeworkChanged")
    assert (changed.school_id, changed.group_id) == (SCHOOL, homework["group_id"])
    [submitted] = await events_of(schoollife, "HomeworkSubmitted")
    assert (submitted.school_id, submitted.group_id, submitted.subject) == (
        SCHOOL,
        homework["group_id"],
        homework["subject"],
    )
    assert submitted.due_at.isoformat()[:10] == homework["due_at"][:10]
    assert submitted.due_at.hour == 8  # the change gave no time: the school day's start


async def test_justification_events_name_the_school(schoollife: Schoollife) -> None:
    absence_id = await recorded(schoollife, LEA)
    path = f"/schoollife/vie-scolaire/absences/{absence_id}/decision"
    for decision in ({"decision": "refused", "comment": "Illisible"}, {"decision": "accepted"}):
        answer = await justify_with_document(schoollife, PARENT_DOUBLE, absence_id, PDF)
        assert answer.status_code == 200, answer.text
        assert (await schoollife.post(VIE_SCOLAIRE, path, decision)).status_code == 200
    for event_type in ("AbsenceJustified", "JustificationRefused", "JustificationAccepted"):
        assert [e.school_id for e in await events_of(schoollife, event_type)] in (
            [SCHOOL],
            [SCHOOL, SCHOOL],
        ), event_type


async def test_cancelled_and_moved_lessons_name_subject_teacher_and_times(
    schoollife: Schoollife,
) -> None:
    lesson_id = (await schedule(schoollife)).json()["lesson_id"]
    path = f"{LESSONS}/{lesson_id}/occurrences"
    cancel = {"reason": "Sortie"}
    assert (
        await schoollife.post(MATHS, f"{path}/{TUESDAY.isoformat()}/cancel", cancel)
    ).status_code == 204
    moved_to = {"date": (NEXT_WEEK + timedelta(days=3)).isoformat(), "start": "14:00:00"}
    answer = await schoollife.post(
        DIRECTION,
        f"{path}/{(NEXT_WEEK + timedelta(days=1)).isoformat()}/move",
        {**moved_to, "end": "15:00:00"},
    )
    assert answer.status_code == 204, answer.text
    for event_type in ("LessonCancelled", "LessonMoved"):
        [event] = await events_of(schoollife, event_type)
        assert (event.subject, event.teacher_id, event.group_id) == (
            "Mathématiques",
            MATHS.user_id,
            CLASS_6A,
        )
        assert (event.start.isoformat(), event.end.isoformat()) == ("08:00:00", "09:00:00")


async def test_a_published_grade_carries_the_evaluations_weighting(
    schoollife: Schoollife,
) -> None:
    evaluation_id = await evaluation(
        schoollife, out_of=10, coefficient=2, brought_to_20=False, optional=True
    )
    assert (await grade(schoollife, evaluation_id, {LEA.user_id: 7})).status_code == 200
    await publish(schoollife, evaluation_id)
    [published] = await events_of(schoollife, "GradePublished")
    assert (published.coefficient, published.brought_to_20, published.optional) == (2, False, True)
    assert published.bonus is False
    assert (published.value, published.out_of) == (7, 10)
