"""An evaluation of a group and its grades: created, graded, published. Pure.

Grades are in quarter points (12.25, 12.5, 12.75): finer than any French teacher grades,
and exact in binary floating point, so averages and equality never drift."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ent_contracts import DomainEvent
from ent_contracts.schoollife.grades import (
    EvaluationCreated,
    EvaluationDeleted,
    EvaluationPublished,
    GradeEntry,
    GradePublished,
    GradesEntered,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Conflict, NotFound, Refused

from ent_schoollife.texts import grades as texts

MAX_OUT_OF = 1000.0
MAX_COEFFICIENT = 100.0
STEP = 0.25  # grades are multiples of a quarter point


@dataclass(frozen=True, kw_only=True)
class NewEvaluation:
    school_id: str
    group_id: str
    teacher_id: str
    subject: str
    on: date
    title: str
    out_of: float
    coefficient: float = 1.0
    brought_to_20: bool = True
    optional: bool = False
    bonus: bool = False


@dataclass
class EvaluationState:
    created: EvaluationCreated | None = None
    grades: dict[str, GradeEntry] = field(default_factory=dict)
    published_at: datetime | None = None
    deleted: bool = False


def on_quarter(value: float) -> bool:
    return (value / STEP).is_integer()


def check_new(new: NewEvaluation) -> str:
    """The title stripped, once the evaluation's numbers are sound."""
    title = new.title.strip()
    if not title:
        raise Refused("title", "required", texts.TITLE_REQUIRED)
    if not 0 < new.out_of <= MAX_OUT_OF or not on_quarter(new.out_of):
        raise Refused("out_of", "invalid_out_of", texts.BAD_OUT_OF)
    if not 0 < new.coefficient <= MAX_COEFFICIENT:
        raise Refused("coefficient", "invalid_coefficient", texts.BAD_COEFFICIENT)
    if new.optional and new.bonus:
        raise Refused("bonus", "optional_and_bonus", texts.OPTIONAL_AND_BONUS)
    return title


def grade_errors(
    grades: Sequence[GradeEntry], out_of: float, members: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Every fault of a grades entry, each naming its student: not in the group, twice,
    neither or both a number and a marker, outside 0..out_of, not a quarter point.
    `members` are the group's students by id, with the name shown."""
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()

    def fault(index: int, leaf: str, reason: str, message: str) -> None:
        errors.append({"field": f"grades[{index}].{leaf}", "reason": reason, "message": message})

    for index, entry in enumerate(grades):
        name = members.get(entry.student_id)
        if name is None:
            fault(index, "student_id", "not_in_group", texts.not_in_group(entry.student_id))
            continue
        if entry.student_id in seen:
            fault(index, "student_id", "duplicate", texts.graded_twice(name))
        seen.add(entry.student_id)
        if (entry.value is None) == (entry.marker is None):
            fault(index, "value", "value_or_marker", texts.value_or_marker(name))
        elif entry.value is not None and not 0 <= entry.value <= out_of:
            fault(index, "value", "above_out_of", texts.above_out_of(name, out_of))
        elif entry.value is not None and not on_quarter(entry.value):
            fault(index, "value", "not_quarter_point", texts.not_quarter(name))
    return errors


class Evaluation(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.s = EvaluationState()

    @property
    def info(self) -> EvaluationCreated:
        if self.s.created is None or self.s.deleted:
            raise NotFound("evaluation_id", "evaluation_not_found", texts.EVALUATION_NOT_FOUND)
        return self.s.created

    @property
    def published(self) -> bool:
        return self.s.published_at is not None

    # --- decisions ----------------------------------------------------------------------
    def create(self, new: NewEvaluation) -> None:
        if self.s.created is not None:
            return  # the same id again (a retried or seeded create) changes nothing
        title = check_new(new)
        self.trigger(
            EvaluationCreated(
                evaluation_id=self.id,
                school_id=new.school_id,
                group_id=new.group_id,
                teacher_id=new.teacher_id,
                subject=new.subject,
                on=new.on,
                title=title,
                out_of=new.out_of,
                coefficient=new.coefficient,
                brought_to_20=new.brought_to_20,
                optional=new.optional,
                bonus=new.bonus,
            )
        )

    def enter(
        self, grades: Sequence[GradeEntry], members: Mapping[str, str], now: datetime
    ) -> None:
        """Enter or change grades of students of the group; once published, each change
        is published at once (GradePublished)."""
        info = self.info
        errors = grade_errors(grades, info.out_of, members)
        if errors:
            first = errors[0]
            raise Refused(first["field"], first["reason"], first["message"], errors=errors[1:])
        changed = [g for g in grades if self.s.grades.get(g.student_id) != g]
        if not changed:
            return
        self.trigger(GradesEntered(evaluation_id=self.id, grades=changed))
        if self.published:
            for entry in changed:
                self.trigger(self._grade_published(info, entry, now))

    def publish(self, now: datetime) -> None:
        info = self.info
        if self.published:
            return
        self.trigger(
            EvaluationPublished(
                evaluation_id=self.id,
                school_id=info.school_id,
                group_id=info.group_id,
                subject=info.subject,
                on=info.on,
                title=info.title,
                published_at=now,
            )
        )
        for entry in self.s.grades.values():
            self.trigger(self._grade_published(info, entry, now))

    def delete(self) -> None:
        self.info  # noqa: B018  (unknown or deleted: 404)
        if self.published:
            raise Conflict("evaluation_id", "already_published", texts.PUBLISHED_NOT_DELETED)
        self.trigger(EvaluationDeleted(evaluation_id=self.id))

    def _grade_published(
        self, info: EvaluationCreated, entry: GradeEntry, now: datetime
    ) -> GradePublished:
        return GradePublished(
            evaluation_id=self.id,
            school_id=info.school_id,
            group_id=info.group_id,
            student_id=entry.student_id,
            subject=info.subject,
            on=info.on,
            title=info.title,
            out_of=info.out_of,
            coefficient=info.coefficient,
            brought_to_20=info.brought_to_20,
            optional=info.optional,
            bonus=info.bonus,
            value=entry.value,
            marker=entry.marker,
            published_at=now,
        )

    # --- state --------------------------------------------------------------------------
    def when(self, event: DomainEvent) -> None:
        match event:
            case EvaluationCreated():
                self.s.created = event
            case GradesEntered():
                self.s.grades.update((g.student_id, g) for g in event.grades)
            case EvaluationPublished():
                self.s.published_at = event.published_at
            case EvaluationDeleted():
                self.s.deleted = True
