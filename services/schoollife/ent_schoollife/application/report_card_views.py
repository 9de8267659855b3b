"""What the report cards' commands and queries answer, and what they take."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Protocol

import msgspec
from ent_contracts.schoollife.base import Subject

from ent_schoollife.application.grades_views import r2

Text = Annotated[str, msgspec.Meta(max_length=1000)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class AppreciationRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A teacher's appreciation of a student in their subject (`subject` may be left out
    by a teacher of one subject). An empty `text` removes it."""

    student_id: Id
    text: Text
    subject: Subject | None = None


class GeneralAppreciationRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The main teacher's general appreciation of a student. An empty `text` removes it."""

    student_id: Id
    text: Text


class SubjectLine(msgspec.Struct, frozen=True, kw_only=True):
    """One subject of a published report card: averages on 20 (None: no grade)."""

    subject: str
    student_average: float | None
    class_average: float | None
    min_average: float | None
    max_average: float | None
    appreciation: str


class ReportCardView(msgspec.Struct, frozen=True, kw_only=True):
    """A student's published report card, its averages frozen at publication (kept
    exact, shown rounded to two decimals as the grades show them)."""

    report_card_id: str
    student_id: str
    student_name: str
    class_id: str
    class_name: str
    term_id: str
    term_name: str
    term_starts_on: date
    term_ends_on: date
    subjects: list[SubjectLine]
    overall_average: float | None
    class_overall_average: float | None
    general_appreciation: str
    published_at: datetime


class ReportCardPage(msgspec.Struct, frozen=True):
    items: list[ReportCardView]
    next_cursor: str | None


class AppreciationView(msgspec.Struct, frozen=True, kw_only=True):
    subject: str
    text: str
    teacher_id: str


class StudentDraftView(msgspec.Struct, frozen=True, kw_only=True):
    """One student's report card as the class's teachers and the staff see it, draft
    or published (`report_card_id` then names it)."""

    student_id: str
    display_name: str
    appreciations: list[AppreciationView]
    general_appreciation: str
    report_card_id: str | None


class ClassReportCardsView(msgspec.Struct, frozen=True, kw_only=True):
    """The report cards of a class for a term, for its teachers and the school's staff."""

    class_id: str
    class_name: str
    term_id: str
    term_name: str
    main_teacher_id: str | None
    published: bool
    students: list[StudentDraftView]


class Publication(msgspec.Struct, frozen=True, kw_only=True):
    class_id: str
    term_id: str
    report_cards: int
    published_at: datetime


class PdfRenderer(Protocol):
    """Turns a published report card into a PDF document."""

    def __call__(self, card: ReportCardView) -> bytes: ...


def report_card_view(
    report_card_id: str, doc: dict[str, Any], student_name: str, class_name: str
) -> ReportCardView:
    return ReportCardView(
        report_card_id=report_card_id,
        student_id=doc["student_id"],
        student_name=student_name,
        class_id=doc["class_id"],
        class_name=class_name,
        term_id=doc["term_id"],
        term_name=doc["term_name"],
        term_starts_on=date.fromisoformat(doc["term_starts_on"]),
        term_ends_on=date.fromisoformat(doc["term_ends_on"]),
        subjects=msgspec.convert([_rounded(line) for line in doc["subjects"]], list[SubjectLine]),
        overall_average=r2(doc["overall_average"]),
        class_overall_average=r2(doc["class_overall_average"]),
        general_appreciation=doc["general_appreciation"],
        published_at=msgspec.convert(doc["published_at"], datetime),
    )


AVERAGES = ("student_average", "class_average", "min_average", "max_average")


def _rounded(line: dict[str, Any]) -> dict[str, Any]:
    return {**line, **{key: r2(line.get(key)) for key in AVERAGES}}
