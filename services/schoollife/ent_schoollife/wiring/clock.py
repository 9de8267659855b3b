"""The school's clock, read from the runtime's settings, for every area's wiring."""

from __future__ import annotations

from datetime import date, datetime

from ent_kit.runtime import Runtime

from ent_schoollife.settings import SchoollifeSettings


def settings_of(runtime: Runtime) -> SchoollifeSettings:
    assert isinstance(runtime.settings, SchoollifeSettings)
    return runtime.settings


def now(runtime: Runtime) -> datetime:
    return settings_of(runtime).now()


def today(runtime: Runtime) -> date:
    return now(runtime).date()
