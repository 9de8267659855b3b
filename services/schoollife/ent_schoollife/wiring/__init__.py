"""Each area of school life wired from the runtime, one module per area, all alike:
`CONTROLLERS`, `PROJECTIONS`, `INDEXES` (collection, fields), `dependencies(runtime)` (the
controllers' commands and queries by name) and `seed_demo(runtime, school_id, today)`
(its part of the demo collège). `service.py` assembles them; a new area is a new module
listed in `AREAS`."""

from ent_schoollife.wiring import grades, notebook, report_cards, timetable, vie_scolaire

# In the order the demo seed fills them: lessons first, report cards after the grades.
AREAS = (timetable, notebook, grades, report_cards, vie_scolaire)

__all__ = ["AREAS"]
