"""Events of school life (Pronote-like), one module per area: timetable, homework notebook,
grades and competencies, report cards, vie scolaire, agenda. All go to one topic, keyed by
the aggregate's id."""

from ent_contracts.schoollife import (  # noqa: F401  (importing registers the events)
    agenda,
    grades,
    notebook,
    report_cards,
    timetable,
    vie_scolaire,
)
from ent_contracts.schoollife.base import SchoollifeEvent, Subject

__all__ = ["SchoollifeEvent", "Subject"]
