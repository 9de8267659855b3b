"""Events of school life: terms of a school, subject coefficients, evaluations and their
grades, competency evaluations.

Grades are on the evaluation's own scale (`out_of`), in quarter points; a grade is either
a number or a marker (`Abs` absent, `Disp` exempted, `NN` not graded), never both. Until
`EvaluationPublished` nothing of an evaluation is shown to students and parents;
`GradePublished` then says, one per student graded, what they see ("dernières notes")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

import msgspec

from ent_contracts.registry import register
from ent_contracts.schoollife.base import SchoollifeEvent, Subject

Marker = Literal["Abs", "Disp", "NN"]
Level = Literal["tres_bonne_maitrise", "satisfaisante", "fragile", "insuffisante"]
Positive = Annotated[float, msgspec.Meta(gt=0)]
Points = Annotated[float, msgspec.Meta(ge=0)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class TermSpan(msgspec.Struct, frozen=True, kw_only=True):
    """One term of a school year, both days included."""

    term_id: str
    name: str
    starts_on: date
    ends_on: date


@register
class TermsDefined(SchoollifeEvent, frozen=True, kw_only=True):
    """The direction set the terms (trimestres or semestres) of a school year, which
    replace the default trimesters and any earlier definition for that year."""

    event_type: ClassVar[str] = "schoollife.TermsDefined"
    school_id: str
    school_year: int  # the calendar year it starts in (September)
    terms: list[TermSpan]


@register
class SubjectCoefficientSet(SchoollifeEvent, frozen=True, kw_only=True):
    """The direction set a subject's weight in the overall average (1 until set)."""

    event_type: ClassVar[str] = "schoollife.SubjectCoefficientSet"
    school_id: str
    subject: Subject
    coefficient: Positive


@register
class EvaluationCreated(SchoollifeEvent, frozen=True, kw_only=True):
    """A teacher (or the direction) created an evaluation of a group, not published yet.
    `brought_to_20`: its weight is its coefficient; else coefficient * out_of / 20.
    `optional`: counts only if it raises the average; `bonus`: only the points above
    10/20 are added, its weight not in the denominator."""

    event_type: ClassVar[str] = "schoollife.EvaluationCreated"
    evaluation_id: str
    school_id: str
    group_id: str
    teacher_id: str
    subject: Subject
    on: date
    title: Title
    out_of: Positive
    coefficient: Positive
    brought_to_20: bool = True
    optional: bool = False
    bonus: bool = False


class GradeEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One student's grade: `value` on the evaluation's scale, or a `marker`."""

    student_id: str
    value: Points | None = None
    marker: Marker | None = None


@register
class GradesEntered(SchoollifeEvent, frozen=True, kw_only=True):
    """The teacher entered or changed grades of students of the group (those listed;
    the others keep theirs)."""

    event_type: ClassVar[str] = "schoollife.GradesEntered"
    evaluation_id: str
    grades: list[GradeEntry]


@register
class EvaluationPublished(SchoollifeEvent, frozen=True, kw_only=True):
    """The evaluation and its grades are now shown to the group's students and parents."""

    event_type: ClassVar[str] = "schoollife.EvaluationPublished"
    evaluation_id: str
    school_id: str
    group_id: str
    subject: Subject
    on: date
    title: Title
    published_at: datetime


@register
class GradePublished(SchoollifeEvent, frozen=True, kw_only=True):
    """A student's grade is shown to them and their parents: at the evaluation's
    publication (one per student graded) and on each later change of that grade; with the
    evaluation's weighting (as EvaluationCreated), so that a consumer can average it."""

    event_type: ClassVar[str] = "schoollife.GradePublished"
    evaluation_id: str
    school_id: str
    group_id: str
    student_id: str
    subject: Subject
    on: date
    title: Title
    out_of: Positive
    coefficient: Positive
    brought_to_20: bool
    optional: bool
    bonus: bool
    value: Points | None = None
    marker: Marker | None = None
    published_at: datetime


@register
class EvaluationDeleted(SchoollifeEvent, frozen=True, kw_only=True):
    """The teacher deleted an evaluation that was never published."""

    event_type: ClassVar[str] = "schoollife.EvaluationDeleted"
    evaluation_id: str


class CompetencyItem(msgspec.Struct, frozen=True, kw_only=True):
    item_id: str
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


@register
class CompetencyEvaluationCreated(SchoollifeEvent, frozen=True, kw_only=True):
    """A teacher created a competency evaluation of a group: items each assessed per
    student on four levels. Not shown before `CompetencyEvaluationPublished`."""

    event_type: ClassVar[str] = "schoollife.CompetencyEvaluationCreated"
    evaluation_id: str
    school_id: str
    group_id: str
    teacher_id: str
    subject: Subject
    on: date
    title: Title
    items: list[CompetencyItem]


class CompetencyAssessment(msgspec.Struct, frozen=True, kw_only=True):
    student_id: str
    item_id: str
    level: Level


@register
class CompetenciesAssessed(SchoollifeEvent, frozen=True, kw_only=True):
    """The teacher set (or changed) levels of students on items of the evaluation."""

    event_type: ClassVar[str] = "schoollife.CompetenciesAssessed"
    evaluation_id: str
    assessments: list[CompetencyAssessment]


@register
class CompetencyEvaluationPublished(SchoollifeEvent, frozen=True, kw_only=True):
    """The competency evaluation is now shown to the group's students and parents."""

    event_type: ClassVar[str] = "schoollife.CompetencyEvaluationPublished"
    evaluation_id: str
    school_id: str
    group_id: str
    published_at: datetime
