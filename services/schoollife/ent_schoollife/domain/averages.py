"""Averages of grades, computed when they are consulted. Pure.

The rules (README, "Moyennes"):
- a grade out of N is read on 20: g = grade * 20 / N; markers (Abs, Disp, NN) count for
  nothing (neither in the numerator nor in the denominator);
- an evaluation brought to 20 ("ramenée sur 20") weighs its coefficient; otherwise it
  weighs by its scale: coefficient * N / 20;
- subject average = Σ(g * weight) / Σ weights over the student's regular grades;
- an optional grade counts only if it raises the average: optional grades are tried from
  the best down, each kept while it is above the average so far (with no regular grade,
  the best optional grade starts the average);
- a bonus grade adds (g - 10) * weight to the numerator, only when g > 10, and its weight
  is not added to the denominator; it is applied after the optional ones; a subject
  average never goes above 20; a subject with only bonus grades has no average;
- overall average = Σ(subject average * subject coefficient) / Σ subject coefficients,
  over the subjects the student has an average in (a subject's coefficient is 1 unless
  the school set it);
- class average = mean of the students' averages (of those who have one).

Numbers are kept exact here; views round to two decimals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from ent_schoollife.domain.terms import Term

MARKERS = ("Abs", "Disp", "NN")
Grade = float | str  # a number on the evaluation's scale, or one of MARKERS


@dataclass(frozen=True, kw_only=True)
class GradedEvaluation:
    """An evaluation with its grades, as averaging needs it."""

    evaluation_id: str
    subject: str
    on: date
    out_of: float
    coefficient: float = 1.0
    brought_to_20: bool = True
    optional: bool = False
    bonus: bool = False
    grades: Mapping[str, Grade] = field(default_factory=dict)

    @property
    def weight(self) -> float:
        return self.coefficient if self.brought_to_20 else self.coefficient * self.out_of / 20

    def on_20(self, student_id: str) -> float | None:
        """The student's grade read on 20; None for a marker or no grade."""
        grade = self.grades.get(student_id)
        if grade is None or isinstance(grade, str):
            return None
        return grade * 20 / self.out_of


@dataclass(frozen=True, kw_only=True)
class Stats:
    """Of one evaluation, on its own scale: the mean, lowest and highest grade."""

    average: float | None
    minimum: float | None
    maximum: float | None
    graded: int  # how many numeric grades


@dataclass(frozen=True, kw_only=True)
class StudentAverages:
    student_id: str
    subjects: dict[str, float]  # only the subjects the student has an average in
    overall: float | None


@dataclass(frozen=True, kw_only=True)
class SubjectSummary:
    """Of one subject across students: the mean of their averages, lowest, highest."""

    average: float
    minimum: float
    maximum: float


@dataclass(frozen=True, kw_only=True)
class ClassAverages:
    students: dict[str, StudentAverages]
    subjects: dict[str, SubjectSummary]
    overall: float | None  # mean of the students' overall averages


def evaluation_stats(evaluation: GradedEvaluation) -> Stats:
    values = [g for g in evaluation.grades.values() if not isinstance(g, str)]
    if not values:
        return Stats(average=None, minimum=None, maximum=None, graded=0)
    return Stats(
        average=sum(values) / len(values),
        minimum=min(values),
        maximum=max(values),
        graded=len(values),
    )


@dataclass
class _Subject:
    """One student's grades in one subject, read on 20, gathered before averaging."""

    total: float = 0.0
    weights: float = 0.0
    optional: list[tuple[float, float]] = field(default_factory=list)
    bonus: list[tuple[float, float]] = field(default_factory=list)

    def add(self, evaluation: GradedEvaluation, g: float) -> None:
        if evaluation.bonus:
            self.bonus.append((g, evaluation.weight))
        elif evaluation.optional:
            self.optional.append((g, evaluation.weight))
        else:
            self.total += g * evaluation.weight
            self.weights += evaluation.weight

    def average(self) -> float | None:
        total, weights = self.total, self.weights
        for g, weight in sorted(self.optional, key=lambda pair: -pair[0]):
            if weights == 0 or g > total / weights:
                total += g * weight
                weights += weight
        if weights == 0:
            return None
        total += sum((g - 10) * weight for g, weight in self.bonus if g > 10)
        return min(total / weights, 20.0)


def subject_average(evaluations: Iterable[GradedEvaluation], student_id: str) -> float | None:
    """The student's average over these evaluations (of one subject), on 20."""
    gathered = _Subject()
    for evaluation in evaluations:
        g = evaluation.on_20(student_id)
        if g is not None:
            gathered.add(evaluation, g)
    return gathered.average()


def overall_average(
    subject_averages: Mapping[str, float], subject_coefficients: Mapping[str, float]
) -> float | None:
    total = weights = 0.0
    for subject, average in subject_averages.items():
        coefficient = subject_coefficients.get(subject, 1.0)
        total += average * coefficient
        weights += coefficient
    return None if weights == 0 else total / weights


def in_term(evaluations: Iterable[GradedEvaluation], term: Term) -> list[GradedEvaluation]:
    return [e for e in evaluations if term.holds(e.on)]


def by_subject(evaluations: Iterable[GradedEvaluation]) -> dict[str, list[GradedEvaluation]]:
    subjects: dict[str, list[GradedEvaluation]] = defaultdict(list)
    for evaluation in evaluations:
        subjects[evaluation.subject].append(evaluation)
    return dict(subjects)


def student_averages(
    subjects: Mapping[str, Sequence[GradedEvaluation]],
    student_id: str,
    subject_coefficients: Mapping[str, float],
) -> StudentAverages:
    averages: dict[str, float] = {}
    for subject, evaluations in subjects.items():
        average = subject_average(evaluations, student_id)
        if average is not None:
            averages[subject] = average
    return StudentAverages(
        student_id=student_id,
        subjects=averages,
        overall=overall_average(averages, subject_coefficients),
    )


def student_term_averages(
    evaluations: Iterable[GradedEvaluation],
    student_id: str,
    term: Term,
    subject_coefficients: Mapping[str, float],
) -> StudentAverages:
    """A student's average per subject and overall, over the evaluations of the term."""
    return student_averages(
        by_subject(in_term(evaluations, term)), student_id, subject_coefficients
    )


def class_term_averages(
    evaluations: Iterable[GradedEvaluation],
    student_ids: Iterable[str],
    term: Term,
    subject_coefficients: Mapping[str, float],
) -> ClassAverages:
    """Each student's averages over the evaluations of the term, and the class's: per
    subject the mean (lowest, highest) of the students' subject averages, and the mean of
    their overall averages (students without an average are left out of the means).
    One pass over the grades: a class's term is thousands of them."""
    wanted = list(student_ids)
    # subject -> student -> gathered grades; regular grades summed in place (the bulk:
    # keyed by the student's id alone, whose hash Python keeps, the loop stays tight).
    gathered: dict[str, dict[str, _Subject]] = defaultdict(dict)
    totals: dict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    weights: dict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    for evaluation in in_term(evaluations, term):
        subject, weight = evaluation.subject, evaluation.weight
        if evaluation.bonus or evaluation.optional:  # the few: gathered one by one
            of_subject = gathered[subject]
            for student_id, grade in evaluation.grades.items():
                if not isinstance(grade, str):
                    one = of_subject.setdefault(student_id, _Subject())
                    one.add(evaluation, grade * 20 / evaluation.out_of)
            continue
        factor = weight * 20 / evaluation.out_of
        subject_totals, subject_weights = totals[subject], weights[subject]
        for student_id, grade in evaluation.grades.items():
            if not isinstance(grade, str):
                subject_totals[student_id] += grade * factor
                subject_weights[student_id] += weight
    per_student: dict[str, dict[str, _Subject]] = defaultdict(dict)
    for subject, subject_totals in totals.items():
        for student_id, total in subject_totals.items():
            one = gathered[subject].setdefault(student_id, _Subject())
            one.total, one.weights = total, weights[subject][student_id]
    for subject, of_subject in gathered.items():
        for student_id, one in of_subject.items():
            per_student[student_id][subject] = one
    students = {}
    for student_id in wanted:
        averages = {}
        for subject, one in per_student.get(student_id, {}).items():
            average = one.average()
            if average is not None:
                averages[subject] = average
        students[student_id] = StudentAverages(
            student_id=student_id,
            subjects=averages,
            overall=overall_average(averages, subject_coefficients),
        )
    return ClassAverages(
        students=students,
        subjects=subject_summaries(students.values()),
        overall=mean(s.overall for s in students.values()),
    )


def subject_summaries(students: Iterable[StudentAverages]) -> dict[str, SubjectSummary]:
    per_subject: dict[str, list[float]] = defaultdict(list)
    for student in students:
        for subject, average in student.subjects.items():
            per_subject[subject].append(average)
    return {
        subject: SubjectSummary(
            average=sum(values) / len(values), minimum=min(values), maximum=max(values)
        )
        for subject, values in per_subject.items()
    }


def mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
