"""Settings of the school-life service (`ENT_*` environment variables)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ent_kit.settings import ServiceSettings


class SchoollifeSettings(ServiceSettings, frozen=True, kw_only=True):
    # Fill the demo collège (once the directory's demo school has reached this service)
    # with a week of timetable, homework, evaluations and absences. Embedded profile only.
    demo_seed: bool = False
    # Lessons, due dates and absences are in the school's wall-clock time: "now" (is a
    # hand-in late? which lessons are today?) is read in this zone.
    school_timezone: str = "Europe/Paris"

    def now(self) -> datetime:
        """The school's wall-clock time now, naive (as lessons and due dates are stored)."""
        return datetime.now(ZoneInfo(self.school_timezone)).replace(tzinfo=None)

    def __post_init__(self) -> None:
        super().__post_init__()
        ZoneInfo(self.school_timezone)  # an unknown zone stops the start, named
        if self.demo_seed and not self.store_is_sqlite():
            raise ValueError(
                "ENT_DEMO_SEED: the demo seed is for the embedded profile only, refused"
                " with a store that is not SQLite (ENT_STORE_URL is not sqlite://)"
            )
