"""The report cards of one class for one term: appreciations while a draft, then one
published report card per student with its averages frozen. Pure, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ent_contracts import DomainEvent
from ent_contracts.schoollife.report_cards import (
    AppreciationWritten,
    GeneralAppreciationWritten,
    ReportCardPublished,
    SubjectResult,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Conflict, Refused, Unprocessable

from ent_schoollife.domain.terms import Term
from ent_schoollife.texts import report_cards as texts

MAX_APPRECIATION = 1000
# Report card ids are derived, so that the same class, term and student always name the
# same report card (a replay, a retried publication).
_IDS = uuid.UUID("6f1d8a52-3f0e-4d61-9a55-2b7c0e4e8b10")


def report_cards_id(class_id: str, term_id: str) -> str:
    return f"report-cards:{class_id}:{term_id}"


def report_card_id(class_id: str, term_id: str, student_id: str) -> str:
    return str(uuid.uuid5(_IDS, f"{class_id}/{term_id}/{student_id}"))


@dataclass(frozen=True, kw_only=True)
class Scope:
    """Whose report cards: a class of a school, for a term."""

    school_id: str
    class_id: str
    term: Term


@dataclass(frozen=True, kw_only=True)
class SubjectAverages:
    """A subject's averages for one student, as computed at publication (on 20)."""

    student: float | None
    class_average: float | None
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True, kw_only=True)
class StudentAverages:
    """Everything averaged for one student of the class at publication."""

    subjects: Mapping[str, SubjectAverages] = field(default_factory=dict)
    overall: float | None = None
    class_overall: float | None = None


def checked_text(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_APPRECIATION:
        raise Refused("text", "too_long", texts.TOO_LONG, max_length=MAX_APPRECIATION)
    return text


class ClassReportCards(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.appreciations: dict[tuple[str, str], str] = {}  # (student, subject) -> text
        self.general: dict[str, str] = {}  # student -> text
        self.published = False

    # --- decisions ----------------------------------------------------------------------

    def write_appreciation(
        self, scope: Scope, student_id: str, subject: str, teacher_id: str, text: str
    ) -> None:
        self._open()
        text = checked_text(text)
        if self.appreciations.get((student_id, subject), "") == text:
            return  # written already (a retried save)
        self.trigger(
            AppreciationWritten(
                report_cards_id=self.id,
                school_id=scope.school_id,
                class_id=scope.class_id,
                term_id=scope.term.term_id,
                student_id=student_id,
                subject=subject,
                teacher_id=teacher_id,
                text=text,
            )
        )

    def write_general(self, scope: Scope, student_id: str, teacher_id: str, text: str) -> None:
        self._open()
        text = checked_text(text)
        if self.general.get(student_id, "") == text:
            return
        self.trigger(
            GeneralAppreciationWritten(
                report_cards_id=self.id,
                school_id=scope.school_id,
                class_id=scope.class_id,
                term_id=scope.term.term_id,
                student_id=student_id,
                teacher_id=teacher_id,
                text=text,
            )
        )

    def publish(self, scope: Scope, averages: Mapping[str, StudentAverages], now: datetime) -> None:
        """One report card per student of the class (the keys of `averages`), with the
        averages as given and the appreciations written so far."""
        self._open()
        if not averages:
            raise Unprocessable("class_id", "no_students", texts.NO_STUDENTS)
        for student_id in sorted(averages):
            self.trigger(self._card(scope, student_id, averages[student_id], now))

    def _card(
        self, scope: Scope, student_id: str, averages: StudentAverages, now: datetime
    ) -> ReportCardPublished:
        term = scope.term
        return ReportCardPublished(
            report_card_id=report_card_id(scope.class_id, term.term_id, student_id),
            report_cards_id=self.id,
            school_id=scope.school_id,
            class_id=scope.class_id,
            term_id=term.term_id,
            term_name=term.name,
            term_starts_on=term.starts_on,
            term_ends_on=term.ends_on,
            student_id=student_id,
            subjects=self._results(student_id, averages),
            overall_average=averages.overall,
            class_overall_average=averages.class_overall,
            general_appreciation=self.general.get(student_id, ""),
            published_at=now,
        )

    def _results(self, student_id: str, averages: StudentAverages) -> list[SubjectResult]:
        """Every subject with an average or an appreciation, in alphabetical order."""
        written = {subject for (student, subject) in self.appreciations if student == student_id}
        results = []
        for subject in sorted(written | set(averages.subjects), key=str.casefold):
            numbers = averages.subjects.get(subject)
            results.append(
                SubjectResult(
                    subject=subject,
                    student_average=numbers.student if numbers else None,
                    class_average=numbers.class_average if numbers else None,
                    min_average=numbers.minimum if numbers else None,
                    max_average=numbers.maximum if numbers else None,
                    appreciation=self.appreciations.get((student_id, subject), ""),
                )
            )
        return results

    def _open(self) -> None:
        if self.published:
            raise Conflict("", "already_published", texts.ALREADY_PUBLISHED)

    # --- state --------------------------------------------------------------------------

    def when(self, event: DomainEvent) -> None:
        match event:
            case AppreciationWritten():
                key = (event.student_id, event.subject)
                if event.text:
                    self.appreciations[key] = event.text
                else:
                    self.appreciations.pop(key, None)
            case GeneralAppreciationWritten():
                if event.text:
                    self.general[event.student_id] = event.text
                else:
                    self.general.pop(event.student_id, None)
            case ReportCardPublished():
                self.published = True
