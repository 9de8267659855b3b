"""What consultations computed from the grades, kept in this process while it still holds.

Every key holds the versions of the groups it was computed from (the id of the last event
that changed one of their evaluations, `GROUP_VERSIONS`), so a grade entered, an evaluation
published or deleted makes the next consultation compute afresh, on every replica: what is
answered is always computed from the grades as they are. Thirty classmates and their parents
consulting after a publication cost one computation, not sixty."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from cachetools import LRUCache

T = TypeVar("T")

# A group's published evaluations of a term (a few hundred rows) and a population's term
# averages: a few hundred entries bound what a process keeps to some tens of MB.
_ROWS: LRUCache[Hashable, Any] = LRUCache(maxsize=256)
_AVERAGES: LRUCache[Hashable, Any] = LRUCache(maxsize=512)
# The groups a class's students are in, by the school's membership version.
_GROUPS: LRUCache[Hashable, Any] = LRUCache(maxsize=1024)


async def rows(key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
    if key not in _ROWS:
        _ROWS[key] = await compute()
    found: T = _ROWS[key]
    return found


async def groups(key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
    if key not in _GROUPS:
        _GROUPS[key] = await compute()
    found: T = _GROUPS[key]
    return found


def averages(key: Hashable, compute: Callable[[], T]) -> T:
    if key not in _AVERAGES:
        _AVERAGES[key] = compute()
    found: T = _AVERAGES[key]
    return found


def forget_grades() -> None:
    """Forget what a change of grades makes stale, as a new version would: the rows and
    the averages, not the classes' groups (a benchmark of the first consultation after a
    publication)."""
    _ROWS.clear()
    _AVERAGES.clear()
