"""Events of "Mes documents", each user's personal workspace (published on the locker's topic)."""

from __future__ import annotations
