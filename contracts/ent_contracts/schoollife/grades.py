"""Events of school life: grades. (Filled by the work on this area.)"""

from __future__ import annotations
