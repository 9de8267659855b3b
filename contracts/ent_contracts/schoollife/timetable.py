"""Events of school life: timetable. (Filled by the work on this area.)"""

from __future__ import annotations
