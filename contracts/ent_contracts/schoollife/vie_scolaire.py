"""Events of school life: vie scolaire. (Filled by the work on this area.)"""

from __future__ import annotations
