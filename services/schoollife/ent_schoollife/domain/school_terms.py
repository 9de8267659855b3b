"""A school's own terms for a school year (trimestres or semestres), set by the direction.
Pure: the rules a definition must follow, and the aggregate that records it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ent_contracts import DomainEvent
from ent_contracts.schoollife.grades import TermsDefined, TermSpan
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Refused

from ent_schoollife.domain.terms import Term
from ent_schoollife.texts import grades as texts

# Trimestres or semestres (and four periods for a school that cuts its year so).
TERM_COUNTS = {2: "S", 3: "T", 4: "P"}


@dataclass(frozen=True, kw_only=True)
class TermDraft:
    name: str
    starts_on: date
    ends_on: date


def checked_terms(school_year: int, drafts: Sequence[TermDraft]) -> list[Term]:
    """2, 3 or 4 terms, in order, end to end (each starts the day after the previous ends),
    all inside the school year (1 September to 31 August). Ids follow the count:
    `2026-2027-S1` for semesters, `-T1` for trimesters, `-P1` for four periods."""
    if len(drafts) not in TERM_COUNTS:
        raise Refused("terms", "bad_term_count", texts.BAD_TERM_COUNT)
    first, last = date(school_year, 9, 1), date(school_year + 1, 8, 31)
    previous_end: date | None = None
    for index, draft in enumerate(drafts):
        field = f"terms[{index}]"
        if not draft.name.strip():
            raise Refused(f"{field}.name", "required", texts.TERM_NAME_REQUIRED)
        if draft.ends_on < draft.starts_on:
            raise Refused(f"{field}.ends_on", "ends_before_start", texts.TERM_ENDS_BEFORE)
        if draft.starts_on < first or draft.ends_on > last:
            raise Refused(field, "outside_school_year", texts.TERM_OUTSIDE_YEAR)
        if previous_end is not None and draft.starts_on != previous_end + timedelta(days=1):
            raise Refused(f"{field}.starts_on", "not_contiguous", texts.TERM_NOT_CONTIGUOUS)
        previous_end = draft.ends_on
    letter = TERM_COUNTS[len(drafts)]
    label = f"{school_year}-{school_year + 1}"
    return [
        Term(
            term_id=f"{label}-{letter}{index}",
            name=draft.name.strip(),
            starts_on=draft.starts_on,
            ends_on=draft.ends_on,
        )
        for index, draft in enumerate(drafts, start=1)
    ]


def school_terms_id(school_id: str, school_year: int) -> str:
    return f"schoollife-terms:{school_id}:{school_year}"


def nearest_term(terms: Sequence[Term], day: date) -> Term:
    """The term holding `day`; before the first, the first; after the last, the last (a
    school's terms need not cover the summer)."""
    for term in terms:
        if term.holds(day):
            return term
    return terms[0] if day < terms[0].starts_on else terms[-1]


class SchoolTerms(Aggregate):
    """The terms of one school for one school year."""

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.terms: list[TermSpan] = []

    def define(self, school_id: str, school_year: int, drafts: Sequence[TermDraft]) -> None:
        terms = checked_terms(school_year, drafts)
        spans = [
            TermSpan(term_id=t.term_id, name=t.name, starts_on=t.starts_on, ends_on=t.ends_on)
            for t in terms
        ]
        if spans != self.terms:  # the same definition again changes nothing
            self.trigger(TermsDefined(school_id=school_id, school_year=school_year, terms=spans))

    def when(self, event: DomainEvent) -> None:
        if isinstance(event, TermsDefined):
            self.terms = list(event.terms)
