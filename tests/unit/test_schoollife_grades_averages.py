"""The averages' rules (domain.averages), on tables computed by hand."""

from __future__ import annotations

from datetime import date

import pytest
from ent_schoollife.domain.averages import (
    GradedEvaluation,
    class_term_averages,
    evaluation_stats,
    overall_average,
    student_term_averages,
    subject_average,
)
from ent_schoollife.domain.terms import Term

TERM = Term(
    term_id="T1", name="Trimestre 1", starts_on=date(2026, 9, 1), ends_on=date(2026, 11, 30)
)
ON = date(2026, 10, 5)
_counter = iter(range(10_000))


def ev(
    grade: float | str | None,
    out_of: float = 20,
    *,
    subject: str = "Maths",
    coefficient: float = 1,
    brought_to_20: bool = True,
    optional: bool = False,
    bonus: bool = False,
    on: date = ON,
    student: str = "s",
) -> GradedEvaluation:
    return GradedEvaluation(
        evaluation_id=f"e{next(_counter)}",
        subject=subject,
        on=on,
        out_of=out_of,
        coefficient=coefficient,
        brought_to_20=brought_to_20,
        optional=optional,
        bonus=bonus,
        grades={} if grade is None else {student: grade},
    )


def test_the_issues_worked_example() -> None:
    # 18/20, 3/10, 1/5, coefficients 1: read on 20 they are 18, 6 and 4.
    unscaled = [
        ev(18, 20, brought_to_20=False),
        ev(3, 10, brought_to_20=False),
        ev(1, 5, brought_to_20=False),
    ]
    # weights 1, 0.5, 0.25: (18 + 3 + 1) / 1.75 = 12.571...
    assert subject_average(unscaled, "s") == pytest.approx(22 / 1.75)
    assert round(subject_average(unscaled, "s") or 0, 2) == 12.57
    brought = [ev(18, 20), ev(3, 10), ev(1, 5)]
    # weights 1, 1, 1: (18 + 6 + 4) / 3 = 9.333...
    assert round(subject_average(brought, "s") or 0, 2) == 9.33


# (evaluations, expected subject average), each computed by hand in the comment.
TABLE = [
    # coefficients: (12 * 2 + 16 * 1) / 3 = 13.333
    ([ev(12, coefficient=2), ev(16)], 40 / 3),
    # out of 40, not brought to 20: 30/40 = 15 on 20, weight 2; (15 * 2 + 9) / 3 = 13
    ([ev(30, 40, brought_to_20=False), ev(9)], 13.0),
    # out of 40, brought to 20: weight 1; (15 + 9) / 2 = 12
    ([ev(30, 40), ev(9)], 12.0),
    # Abs and Disp count for nothing: 14
    ([ev(14), ev("Abs"), ev("Disp", coefficient=3), ev("NN")], 14.0),
    # an optional grade that raises the average counts: (10 + 16) / 2 = 13
    ([ev(10), ev(16, optional=True)], 13.0),
    # an optional grade that would lower it does not: 10
    ([ev(10), ev(6, optional=True)], 10.0),
    # optional ones from the best down: 10, then 16 (avg 13), then 12 < 13 is left out
    ([ev(10), ev(12, optional=True), ev(16, optional=True)], 13.0),
    # a bonus 16/20: (16 - 10) * 1 added, its weight not in the denominator: (12 + 14 + 6) / 2
    ([ev(12), ev(14), ev(16, bonus=True)], 16.0),
    # a bonus below 10 adds nothing: 12
    ([ev(12), ev(8, bonus=True)], 12.0),
    # a bonus 7/10 not brought to 20: 14 on 20, weight 0.5: (12 + (14 - 10) * 0.5) / 1 = 14
    ([ev(12), ev(7, 10, brought_to_20=False, bonus=True)], 14.0),
    # capped at 20: 19 + (20 - 10) * 1 = 29 → 20
    ([ev(19), ev(20, bonus=True)], 20.0),
    # only markers, or only a bonus: no average
    ([ev("Abs")], None),
    ([ev(18, bonus=True)], None),
    # no regular grade: the best optional grade starts the average, 8 < 15 is left out
    ([ev(8, optional=True), ev(15, optional=True)], 15.0),
    # quarter points: 12.25 and 13.75 → 13
    ([ev(12.25), ev(13.75)], 13.0),
]


@pytest.mark.parametrize(("evaluations", "expected"), TABLE)
def test_subject_average_table(evaluations: list[GradedEvaluation], expected: float | None) -> None:
    average = subject_average(evaluations, "s")
    if expected is None:
        assert average is None
    else:
        assert average == pytest.approx(expected)


def test_overall_average_weights_subjects_by_their_coefficients() -> None:
    # Maths 12 coefficient 3, French 16 coefficient 1, History 10 (default 1): (36 + 16 + 10) / 5
    averages = {"Maths": 12.0, "Français": 16.0, "Histoire": 10.0}
    assert overall_average(averages, {"Maths": 3, "Français": 1}) == pytest.approx(62 / 5)
    assert overall_average({}, {}) is None


def test_student_term_averages_keep_the_terms_evaluations_only() -> None:
    evaluations = [
        ev(12, subject="Maths"),
        ev(8, subject="Maths", on=date(2026, 12, 2)),  # next term: left out
        ev(30, 40, subject="Français", brought_to_20=False),  # 15
        ev("Abs", subject="Histoire"),  # no average in Histoire
    ]
    averages = student_term_averages(evaluations, "s", TERM, {"Maths": 2})
    assert averages.subjects == {"Maths": 12.0, "Français": 15.0}
    assert averages.overall == pytest.approx((12 * 2 + 15) / 3)  # 13


def test_class_averages_are_means_of_the_students_averages() -> None:
    maths = GradedEvaluation(
        evaluation_id="m", subject="Maths", on=ON, out_of=20, grades={"a": 10, "b": 16, "c": "Abs"}
    )
    french = GradedEvaluation(
        evaluation_id="f", subject="Français", on=ON, out_of=10, grades={"a": 7, "c": 5}
    )
    result = class_term_averages([maths, french], ["a", "b", "c"], TERM, {})
    # a: Maths 10, Français 14 → 12; b: Maths 16 → 16; c: Français 10 → 10
    assert result.students["a"].overall == pytest.approx(12)
    assert result.students["c"].subjects == {"Français": 10.0}
    assert result.subjects["Maths"].average == pytest.approx(13)  # (10 + 16) / 2
    assert (result.subjects["Maths"].minimum, result.subjects["Maths"].maximum) == (10, 16)
    assert result.overall == pytest.approx((12 + 16 + 10) / 3)


def test_evaluation_stats_are_on_its_scale_and_skip_markers() -> None:
    stats = evaluation_stats(
        GradedEvaluation(
            evaluation_id="x",
            subject="Maths",
            on=ON,
            out_of=40,
            grades={"a": 30, "b": 20, "c": "Disp"},
        )
    )
    assert (stats.average, stats.minimum, stats.maximum, stats.graded) == (25, 20, 30, 2)


def test_the_class_pass_gives_each_student_what_their_own_computation_gives() -> None:
    import random

    rng = random.Random(7)
    students = [f"s{n}" for n in range(12)]
    evaluations = []
    for n in range(60):
        out_of = rng.choice([5, 10, 20, 40])
        grades: dict[str, float | str] = {
            s: rng.choice(["Abs", "Disp", "NN"])
            if rng.random() < 0.1
            else rng.randint(0, out_of * 4) / 4
            for s in students
            if rng.random() < 0.9
        }
        evaluations.append(
            GradedEvaluation(
                evaluation_id=f"e{n}",
                subject=f"S{n % 4}",
                on=ON,
                out_of=out_of,
                coefficient=rng.choice([0.5, 1, 2, 3]),
                brought_to_20=rng.random() < 0.5,
                optional=n % 7 == 3,
                bonus=n % 11 == 5,
                grades=grades,
            )
        )
    coefficients = {"S0": 2.0, "S1": 0.5}
    together = class_term_averages(evaluations, students, TERM, coefficients)
    for student in students:
        alone = student_term_averages(evaluations, student, TERM, coefficients)
        assert together.students[student].subjects == pytest.approx(alone.subjects)
        assert together.students[student].overall == pytest.approx(alone.overall)
