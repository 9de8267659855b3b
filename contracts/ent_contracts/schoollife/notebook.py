"""Events of school life: notebook. (Filled by the work on this area.)"""

from __future__ import annotations
