"""Terms (trimestres or semestres) of a school year. Pure. A school that has defined none
follows the usual French trimesters, so grades and counts always fall in a term."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

_YEAR = re.compile(r"^(\d{4})-")


@dataclass(frozen=True, kw_only=True)
class Term:
    term_id: str  # e.g. "2026-2027-T1": stable, so a default term is the same every time
    name: str
    starts_on: date
    ends_on: date  # included

    def holds(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def term_day(term_id: str, today: date) -> date:
    """A day of the school year a term id names (`2026-2027-T1`: 1 September 2026), so
    that last year's terms are found too; ids of another shape are looked up this year."""
    found = _YEAR.match(term_id)
    return date(int(found.group(1)), 9, 1) if found else today


def school_year_start(day: date) -> int:
    """The calendar year a school year starts in (September to August)."""
    return day.year if day.month >= 9 else day.year - 1


def default_terms(day: date) -> list[Term]:
    """The three trimesters of the school year holding `day`, end to end from 1 September
    to 31 August: 1 Sept - 30 Nov, 1 Dec - end of February, 1 March - 31 August."""
    year = school_year_start(day)
    label = f"{year}-{year + 1}"
    march = date(year + 1, 3, 1)
    return [
        Term(
            term_id=f"{label}-T1",
            name="Trimestre 1",
            starts_on=date(year, 9, 1),
            ends_on=date(year, 11, 30),
        ),
        Term(
            term_id=f"{label}-T2",
            name="Trimestre 2",
            starts_on=date(year, 12, 1),
            ends_on=date.fromordinal(march.toordinal() - 1),
        ),
        Term(
            term_id=f"{label}-T3",
            name="Trimestre 3",
            starts_on=march,
            ends_on=date(year + 1, 8, 31),
        ),
    ]


def term_of(terms: Sequence[Term], day: date) -> Term | None:
    return next((term for term in terms if term.holds(day)), None)
