"""What the grades API receives and answers (averages rounded to two decimals)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

import msgspec
from ent_contracts.schoollife.base import Subject
from ent_contracts.schoollife.grades import Level, Marker

from ent_schoollife.application.views import GroupView, PersonView
from ent_schoollife.domain.terms import Term

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
Points = Annotated[float, msgspec.Meta(ge=0, le=1000)]


# --- requests ---------------------------------------------------------------------------
class TermRequest(msgspec.Struct, frozen=True, kw_only=True):
    name: Name
    starts_on: date
    ends_on: date


class TermsRequest(msgspec.Struct, frozen=True, kw_only=True):
    """2 semesters, 3 trimesters or 4 periods, end to end, inside the school year starting
    in September of `school_year`."""

    school_year: Annotated[int, msgspec.Meta(ge=2000, le=2100)]
    terms: Annotated[list[TermRequest], msgspec.Meta(min_length=1, max_length=4)]


class CoefficientRequest(msgspec.Struct, frozen=True, kw_only=True):
    coefficient: Annotated[float, msgspec.Meta(gt=0, le=100)]


class EvaluationRequest(msgspec.Struct, frozen=True, kw_only=True):
    """`out_of` the scale (20, 40, 10, 5...); `brought_to_20` ("ramener sur 20"): weighs
    its coefficient, else coefficient * out_of / 20; `optional`: counts only if it raises
    the average; `bonus`: only the points above 10/20 count."""

    group_id: str
    subject: Subject
    on: date
    title: Title
    out_of: Annotated[float, msgspec.Meta(gt=0, le=1000)] = 20.0
    coefficient: Annotated[float, msgspec.Meta(gt=0, le=100)] = 1.0
    brought_to_20: bool = True
    optional: bool = False
    bonus: bool = False


class GradeRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A number from 0 to out_of, in quarter points, or a marker: Abs (absent), Disp
    (exempted), NN (not graded)."""

    student_id: str
    value: Points | None = None
    marker: Marker | None = None


class GradesRequest(msgspec.Struct, frozen=True, kw_only=True):
    grades: Annotated[list[GradeRequest], msgspec.Meta(max_length=200)]


class CompetencyEvaluationRequest(msgspec.Struct, frozen=True, kw_only=True):
    group_id: str
    subject: Subject
    on: date
    title: Title
    items: Annotated[list[Title], msgspec.Meta(min_length=1, max_length=30)]


class AssessmentRequest(msgspec.Struct, frozen=True, kw_only=True):
    student_id: str
    item_id: str
    level: Level


class AssessmentsRequest(msgspec.Struct, frozen=True, kw_only=True):
    assessments: Annotated[list[AssessmentRequest], msgspec.Meta(max_length=6000)]


# --- answers ----------------------------------------------------------------------------
class TermView(msgspec.Struct, frozen=True, kw_only=True):
    term_id: str
    name: str
    starts_on: date
    ends_on: date


class TermsView(msgspec.Struct, frozen=True, kw_only=True):
    school_id: str
    terms: list[TermView]
    current: TermView


class CoefficientView(msgspec.Struct, frozen=True, kw_only=True):
    subject: str
    coefficient: float


class CoefficientsView(msgspec.Struct, frozen=True, kw_only=True):
    """The subjects whose coefficient the school set; any other weighs 1."""

    coefficients: list[CoefficientView]


class EvaluationView(msgspec.Struct, frozen=True, kw_only=True):
    evaluation_id: str
    group_id: str
    teacher_id: str
    subject: str
    on: date
    title: str
    out_of: float
    coefficient: float
    brought_to_20: bool
    optional: bool
    bonus: bool
    published: bool
    graded: int  # numeric grades entered
    class_average: float | None  # on the evaluation's scale
    class_min: float | None
    class_max: float | None


class EvaluationPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[EvaluationView]
    next_cursor: str | None


class SheetRow(msgspec.Struct, frozen=True, kw_only=True):
    student: PersonView
    value: float | None = None
    marker: str | None = None
    in_group: bool = True  # False: graded, then left the group


class EntrySheet(msgspec.Struct, frozen=True, kw_only=True):
    """The grades entry sheet: every student of the group, with their grade if any."""

    evaluation: EvaluationView
    rows: list[SheetRow]


class GradeLine(msgspec.Struct, frozen=True, kw_only=True):
    """One of the student's grades, with the class's average, lowest and highest grade,
    all on the evaluation's scale (`out_of`)."""

    evaluation_id: str
    subject: str
    on: date
    title: str
    out_of: float
    coefficient: float
    brought_to_20: bool
    optional: bool
    bonus: bool
    value: float | None
    marker: str | None
    class_average: float | None
    class_min: float | None
    class_max: float | None


class SubjectLine(msgspec.Struct, frozen=True, kw_only=True):
    """The student's average in a subject (on 20), the class's (the mean of its students'
    averages, lowest, highest), and the grades."""

    subject: str
    coefficient: float
    average: float | None
    class_average: float | None
    class_min: float | None
    class_max: float | None
    grades: list[GradeLine]


class StudentGrades(msgspec.Struct, frozen=True, kw_only=True):
    """A student's grades of a term: chronological (`grades`, newest first) or by subject
    (`subjects`, the other list empty), with their overall average and the class's."""

    student: PersonView
    term: TermView
    terms: list[TermView]
    grades: list[GradeLine] = []
    subjects: list[SubjectLine] = []
    overall_average: float | None = None
    class_overall_average: float | None = None


class LatestGrade(msgspec.Struct, frozen=True, kw_only=True):
    evaluation_id: str
    subject: str
    on: date
    title: str
    out_of: float
    value: float | None
    marker: str | None
    published_at: str


class LatestGrades(msgspec.Struct, frozen=True, kw_only=True):
    student: PersonView
    items: list[LatestGrade]


class StudentAveragesView(msgspec.Struct, frozen=True, kw_only=True):
    student: PersonView
    subjects: dict[str, float]
    overall: float | None


class SubjectSummaryView(msgspec.Struct, frozen=True, kw_only=True):
    subject: str
    average: float
    minimum: float
    maximum: float


class GroupAverages(msgspec.Struct, frozen=True, kw_only=True):
    """A group's averages of a term: each student's, and per subject and overall the
    mean of its students' averages."""

    group: GroupView
    term: TermView
    students: list[StudentAveragesView]
    subjects: list[SubjectSummaryView]
    overall: float | None


class CompetencyItemView(msgspec.Struct, frozen=True, kw_only=True):
    item_id: str
    label: str
    level: str | None = None


class CompetencyEvaluationView(msgspec.Struct, frozen=True, kw_only=True):
    evaluation_id: str
    group_id: str
    subject: str
    on: date
    title: str
    published: bool
    items: list[CompetencyItemView]


class CompetencySheetRow(msgspec.Struct, frozen=True, kw_only=True):
    student: PersonView
    levels: dict[str, str]  # item_id -> level


class CompetencySheet(msgspec.Struct, frozen=True, kw_only=True):
    evaluation: CompetencyEvaluationView
    rows: list[CompetencySheetRow]


class CompetencyPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[CompetencyEvaluationView]
    next_cursor: str | None


class StudentCompetencies(msgspec.Struct, frozen=True, kw_only=True):
    """The student's published competency evaluations of the term, each item with the
    student's level (None: not assessed)."""

    student: PersonView
    term: TermView
    evaluations: list[CompetencyEvaluationView]


def two_decimals(value: float) -> float:
    """Half up, as people round by hand (13.725 shows 13.73, where `round` on the binary
    float would give 13.72)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def r2(value: float | None) -> float | None:
    return None if value is None else two_decimals(value)


def term_view(term: Term) -> TermView:
    return TermView(
        term_id=term.term_id, name=term.name, starts_on=term.starts_on, ends_on=term.ends_on
    )
