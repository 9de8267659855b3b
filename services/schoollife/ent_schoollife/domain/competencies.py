"""A competency evaluation: items each assessed per student on four levels (très bonne
maîtrise, satisfaisante, fragile, insuffisante), published like an evaluation. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ent_contracts import DomainEvent
from ent_contracts.schoollife.grades import (
    CompetenciesAssessed,
    CompetencyAssessment,
    CompetencyEvaluationCreated,
    CompetencyEvaluationPublished,
    CompetencyItem,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import NotFound, Refused

from ent_schoollife.texts import grades as texts

MAX_ITEMS = 30
LEVELS = ("tres_bonne_maitrise", "satisfaisante", "fragile", "insuffisante")


@dataclass(frozen=True, kw_only=True)
class NewCompetencyEvaluation:
    school_id: str
    group_id: str
    teacher_id: str
    subject: str
    on: date
    title: str
    items: Sequence[str]  # the items' labels, in order


@dataclass
class CompetencyState:
    created: CompetencyEvaluationCreated | None = None
    levels: dict[tuple[str, str], str] = field(default_factory=dict)  # (student, item)
    published_at: datetime | None = None


def assessment_errors(
    assessments: Sequence[CompetencyAssessment], items: set[str], members: Mapping[str, str]
) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(assessments):
        name = members.get(entry.student_id)
        if name is None:
            leaf, reason, message = (
                "student_id",
                "not_in_group",
                texts.not_in_group(entry.student_id),
            )
        elif entry.item_id not in items:
            leaf, reason, message = "item_id", "item_not_found", texts.ITEM_NOT_FOUND
        elif (entry.student_id, entry.item_id) in seen:
            leaf, reason, message = "item_id", "duplicate", texts.assessed_twice(name)
        else:
            seen.add((entry.student_id, entry.item_id))
            continue
        errors.append(
            {"field": f"assessments[{index}].{leaf}", "reason": reason, "message": message}
        )
    return errors


class CompetencyEvaluation(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.s = CompetencyState()

    @property
    def info(self) -> CompetencyEvaluationCreated:
        if self.s.created is None:
            raise NotFound("evaluation_id", "evaluation_not_found", texts.EVALUATION_NOT_FOUND)
        return self.s.created

    def create(self, new: NewCompetencyEvaluation) -> None:
        if self.s.created is not None:
            return
        title = new.title.strip()
        if not title:
            raise Refused("title", "required", texts.TITLE_REQUIRED)
        labels = [label.strip() for label in new.items]
        if not 1 <= len(labels) <= MAX_ITEMS or not all(labels):
            raise Refused("items", "invalid_items", texts.COMPETENCY_ITEMS)
        self.trigger(
            CompetencyEvaluationCreated(
                evaluation_id=self.id,
                school_id=new.school_id,
                group_id=new.group_id,
                teacher_id=new.teacher_id,
                subject=new.subject,
                on=new.on,
                title=title,
                items=[
                    CompetencyItem(item_id=f"item-{n}", label=label)
                    for n, label in enumerate(labels, start=1)
                ],
            )
        )

    def assess(
        self, assessments: Sequence[CompetencyAssessment], members: Mapping[str, str]
    ) -> None:
        items = {item.item_id for item in self.info.items}
        errors = assessment_errors(assessments, items, members)
        if errors:
            first = errors[0]
            raise Refused(first["field"], first["reason"], first["message"], errors=errors[1:])
        changed = [
            a for a in assessments if self.s.levels.get((a.student_id, a.item_id)) != a.level
        ]
        if changed:
            self.trigger(CompetenciesAssessed(evaluation_id=self.id, assessments=changed))

    def publish(self, now: datetime) -> None:
        info = self.info
        if self.s.published_at is None:
            self.trigger(
                CompetencyEvaluationPublished(
                    evaluation_id=self.id,
                    school_id=info.school_id,
                    group_id=info.group_id,
                    published_at=now,
                )
            )

    def when(self, event: DomainEvent) -> None:
        match event:
            case CompetencyEvaluationCreated():
                self.s.created = event
            case CompetenciesAssessed():
                for a in event.assessments:
                    self.s.levels[(a.student_id, a.item_id)] = a.level
            case CompetencyEvaluationPublished():
                self.s.published_at = event.published_at
