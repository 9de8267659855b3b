"""Counts of a student's term: absences, half-days, late arrivals, punishments. Pure.

Half-days (demi-journées d'absence): a day has a morning (before 12:00) and an afternoon
(from 12:00). An absence counts one half-day for each of them it touches, on every day it
spans but Sundays; two absences touching the same half-day count it once. So 08:00-10:00
is one half-day, 10:00-14:00 two, Monday 08:00 to Tuesday 12:00 three. An absence belongs
to the term holding the day it starts. Unjustified: every absence whose justification has
not been accepted (to justify, waiting for a decision, refused); its half-days count as
unjustified unless an accepted absence touches them too."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

Half = Literal["am", "pm"]
NOON = time(12)
SUNDAY = 6


def half_days(starts_at: datetime, ends_at: datetime) -> set[tuple[date, Half]]:
    """The half-days [starts_at, ends_at) touches (the end itself excluded)."""
    touched: set[tuple[date, Half]] = set()
    day = starts_at.date()
    while datetime.combine(day, time()) < ends_at:
        if day.weekday() != SUNDAY:
            midnight = datetime.combine(day, time())
            noon = datetime.combine(day, NOON)
            if starts_at < noon and ends_at > midnight:
                touched.add((day, "am"))
            if starts_at < midnight + timedelta(days=1) and ends_at > noon:
                touched.add((day, "pm"))
        day += timedelta(days=1)
    return touched


@dataclass(frozen=True, kw_only=True)
class AbsenceSpan:
    starts_at: datetime
    ends_at: datetime
    justified: bool  # the justification was accepted


@dataclass(frozen=True, kw_only=True)
class Counts:
    absences: int = 0
    half_days: int = 0
    unjustified_absences: int = 0
    unjustified_half_days: int = 0
    late_arrivals: int = 0
    late_minutes: int = 0
    punitions: int = 0
    sanctions: int = 0


def counts(
    absences: Iterable[AbsenceSpan], late_minutes: Iterable[int], punishments: Iterable[str]
) -> Counts:
    """The counts of one term, from its absences, lateness (minutes each) and punishment
    kinds (`punition`, `sanction`)."""
    spans = list(absences)
    every: set[tuple[date, Half]] = set()
    justified: set[tuple[date, Half]] = set()
    unjustified: set[tuple[date, Half]] = set()
    for span in spans:
        touched = half_days(span.starts_at, span.ends_at)
        every |= touched
        (justified if span.justified else unjustified).update(touched)
    minutes = list(late_minutes)
    kinds = list(punishments)
    return Counts(
        absences=len(spans),
        half_days=len(every),
        unjustified_absences=sum(1 for span in spans if not span.justified),
        unjustified_half_days=len(unjustified - justified),
        late_arrivals=len(minutes),
        late_minutes=sum(minutes),
        punitions=kinds.count("punition"),
        sanctions=kinds.count("sanction"),
    )
