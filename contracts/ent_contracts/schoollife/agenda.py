"""Events of school life: agenda. (Filled by the work on this area.)"""

from __future__ import annotations
