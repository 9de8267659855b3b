"""Events of school life: report cards. (Filled by the work on this area.)"""

from __future__ import annotations
