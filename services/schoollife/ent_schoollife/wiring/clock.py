"""The clocks, for every area's wiring. Two rules:

- audit stamps (published_at, recorded_at, decided_at, an import's last heard...) are
  UTC-aware, from `utc_now`;
- the school's wall clock (`now`, naive, and `today`) answers only "which day is it, is it
  late": lessons, due dates and terms are stored in it, and so is a copy's
  `submitted_at` (the moment judged late against the due date, named in the zip)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ent_kit.runtime import Runtime

from ent_schoollife.settings import SchoollifeSettings


def settings_of(runtime: Runtime) -> SchoollifeSettings:
    assert isinstance(runtime.settings, SchoollifeSettings)
    return runtime.settings


def now(runtime: Runtime) -> datetime:
    return settings_of(runtime).now()


def today(runtime: Runtime) -> date:
    return now(runtime).date()


def utc_now() -> datetime:
    """Now, UTC-aware: the one source of audit stamps."""
    return datetime.now(UTC)
