"""Planner statistics kept up with a store that grows while it serves.

SQLite plans from the statistics of the last `ANALYZE`. A service analyses when it
creates its indexes, at start, and again when it stops; a store that fills in between
(the demo school's seed lands after the start, a projection is rebuilt) is planned with
the statistics of its empty start. Measured: school life's latest grades of a student were
then read through the primary key, every published grade of the school decoded and sorted,
5 ms instead of 0.04 ms through the index made for that query, a fifth of the home page's
school-life call.

So a store analyses again once the rows written since it opened reach a threshold, and the
threshold doubles each time: a few analyses while a store fills, then fewer and fewer as
its statistics describe it ever better. Each takes milliseconds (`analysis_limit`), off
the commit that crossed the threshold. The first threshold is at least the rows the
statistics found at the start: a large store (the directory's million accounts) is not
analysed anew for a few thousand rows, whose statistics, sampled, could only be rougher.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

FIRST_AFTER_ROWS = 1000  # rows inserted, changed or deleted since the store opened


class Reanalysis:
    def __init__(
        self,
        analyze: Callable[[], Awaitable[None]],
        rows_written: Callable[[], int],
        rows_analysed: int = 0,
    ) -> None:
        """`rows_analysed`: the rows in the store as its last statistics counted them."""
        self._analyze = analyze
        self._rows_written = rows_written
        self._due_at = max(FIRST_AFTER_ROWS, rows_analysed)
        self._running: asyncio.Task[None] | None = None

    def committed(self) -> None:
        """After a commit: start an analysis if the rows written have reached the threshold
        and none runs."""
        if self._running is not None and not self._running.done():
            return
        written = self._rows_written()
        if written < self._due_at:
            return
        self._due_at = 2 * written
        self._running = asyncio.create_task(self._run(), name="sqlite-analyze")

    async def _run(self) -> None:
        try:
            await self._analyze()
        except Exception:  # the next threshold tries again; the one at close remains
            log.warning("ANALYZE failed", exc_info=True)

    async def close(self) -> None:
        if self._running is not None:
            await self._running


ROWS_ANALYSED = "SELECT tbl, stat FROM sqlite_stat1 WHERE tbl IN ('documents', 'events')"


def rows_analysed(conn: sqlite3.Connection) -> int:
    """The rows the last ANALYZE counted in the store's tables (0 before any): each of a
    table's statistics starts with its index's entries, the whole table for its key."""
    try:
        stats = conn.execute(ROWS_ANALYSED).fetchall()
    except sqlite3.OperationalError:  # no sqlite_stat1: never analysed
        return 0
    rows: dict[str, int] = {}
    for table, stat in stats:
        entries = int(str(stat).split()[0]) if stat else 0
        rows[table] = max(rows.get(table, 0), entries)
    return sum(rows.values())
