"""Read models of the grades: one row per evaluation holding all its grades (what the
consultations and the averages read, by group and date), one row per published grade of a
student (the latest grades, for the home page), one row per competency evaluation."""

from __future__ import annotations

from typing import Any

from ent_contracts import DomainEvent, Envelope
from ent_contracts.schoollife.grades import (
    CompetenciesAssessed,
    CompetencyEvaluationCreated,
    CompetencyEvaluationPublished,
    EvaluationCreated,
    EvaluationDeleted,
    EvaluationPublished,
    GradePublished,
    GradesEntered,
)
from ent_kit.storage import DocumentWriter, update_fields

EVALUATIONS = "grades_evaluations"
PUBLISHED_GRADES = "grades_published"  # one row per (student, evaluation) once published
COMPETENCIES = "grades_competencies"
# One row per group: the id of the last event that changed one of its evaluations. A
# consultation reads it to know whether what it computed before still holds
# (`grades_cache`); an event id never repeats, so a stale answer cannot be taken for new.
GROUP_VERSIONS = "grades_group_versions"

GRADES_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (EVALUATIONS, ("group_id", "published", "on")),  # a student's consultation
    (EVALUATIONS, ("group_id", "on")),  # the group's list for its teachers and staff
    (EVALUATIONS, ("group_id", "teacher_id", "on")),  # a teacher's own in a group
    (PUBLISHED_GRADES, ("student_id", "published_at")),
    (COMPETENCIES, ("group_id", "published", "on")),
    (COMPETENCIES, ("group_id", "on")),
)


def published_grade_id(student_id: str, evaluation_id: str) -> str:
    return f"{student_id}:{evaluation_id}"


def grade_value(value: float | None, marker: str | None) -> float | str:
    """As a row keeps a grade: the number, or the marker."""
    return marker if value is None and marker is not None else float(value or 0)


class GradesProjection:
    name = "grades"
    collections = (EVALUATIONS, PUBLISHED_GRADES, COMPETENCIES, GROUP_VERSIONS)
    handles = frozenset(
        cls.event_type
        for cls in (
            EvaluationCreated,
            GradesEntered,
            EvaluationPublished,
            GradePublished,
            EvaluationDeleted,
            CompetencyEvaluationCreated,
            CompetenciesAssessed,
            CompetencyEvaluationPublished,
        )
    )

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case EvaluationCreated():
                await tx.put(EVALUATIONS, event.evaluation_id, _evaluation_row(event))
                await _changed(tx, event.group_id, envelope)
            case GradesEntered():
                doc = await tx.get(EVALUATIONS, event.evaluation_id)
                if doc is not None:
                    for g in event.grades:
                        doc["grades"][g.student_id] = grade_value(g.value, g.marker)
                    await tx.put(EVALUATIONS, event.evaluation_id, doc)
                    await _changed(tx, doc["group_id"], envelope)
            case EvaluationPublished():
                published_at = event.published_at.isoformat()
                await update_fields(
                    tx, EVALUATIONS, event.evaluation_id, published=True, published_at=published_at
                )
                doc = await tx.get(EVALUATIONS, event.evaluation_id)
                if doc is not None:
                    await _changed(tx, doc["group_id"], envelope)
            case GradePublished():
                await tx.put(
                    PUBLISHED_GRADES,
                    published_grade_id(event.student_id, event.evaluation_id),
                    _published_row(event),
                )
            case EvaluationDeleted():
                doc = await tx.get(EVALUATIONS, event.evaluation_id)
                if doc is not None:
                    await tx.delete(EVALUATIONS, event.evaluation_id)
                    await _changed(tx, doc["group_id"], envelope)
            case CompetencyEvaluationCreated():
                await tx.put(COMPETENCIES, event.evaluation_id, _competency_row(event))
            case CompetenciesAssessed():
                doc = await tx.get(COMPETENCIES, event.evaluation_id)
                if doc is not None:
                    for a in event.assessments:
                        doc["levels"].setdefault(a.student_id, {})[a.item_id] = a.level
                    await tx.put(COMPETENCIES, event.evaluation_id, doc)
            case CompetencyEvaluationPublished():
                await update_fields(tx, COMPETENCIES, event.evaluation_id, published=True)


async def _changed(tx: DocumentWriter, group_id: str, envelope: Envelope) -> None:
    await tx.put(GROUP_VERSIONS, group_id, {"changed_by": envelope.event_id})


def _evaluation_row(event: EvaluationCreated) -> dict[str, Any]:
    return {
        "school_id": event.school_id,
        "group_id": event.group_id,
        "teacher_id": event.teacher_id,
        "subject": event.subject,
        "on": event.on.isoformat(),
        "title": event.title,
        "out_of": event.out_of,
        "coefficient": event.coefficient,
        "brought_to_20": event.brought_to_20,
        "optional": event.optional,
        "bonus": event.bonus,
        "published": False,
        "published_at": None,
        "grades": {},
    }


def _published_row(event: GradePublished) -> dict[str, Any]:
    return {
        "student_id": event.student_id,
        "evaluation_id": event.evaluation_id,
        "group_id": event.group_id,
        "subject": event.subject,
        "on": event.on.isoformat(),
        "title": event.title,
        "out_of": event.out_of,
        "grade": grade_value(event.value, event.marker),
        "published_at": event.published_at.isoformat(),
    }


def _competency_row(event: CompetencyEvaluationCreated) -> dict[str, Any]:
    return {
        "school_id": event.school_id,
        "group_id": event.group_id,
        "teacher_id": event.teacher_id,
        "subject": event.subject,
        "on": event.on.isoformat(),
        "title": event.title,
        "items": [{"item_id": i.item_id, "label": i.label} for i in event.items],
        "published": False,
        "levels": {},
    }
