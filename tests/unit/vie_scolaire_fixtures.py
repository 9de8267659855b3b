"""Dates for the vie scolaire's tests: in the current school year's default trimesters,
whatever day the tests run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ent_schoollife.domain.terms import school_year_start

YEAR = school_year_start(datetime.now(UTC).date())
T1, T2 = f"{YEAR}-{YEAR + 1}-T1", f"{YEAR}-{YEAR + 1}-T2"
_OCTOBER = date(YEAR, 10, 5)
MONDAY = _OCTOBER + timedelta(days=-_OCTOBER.weekday() % 7)  # a Monday of the first trimester


def at(day: date, hour: int, minute: int = 0) -> str:
    """A wall-clock time as the API takes it (ISO, no zone)."""
    return datetime(day.year, day.month, day.day, hour, minute).isoformat()
