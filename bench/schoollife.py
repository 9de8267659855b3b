"""Suite `schoollife`: the school-life service in-process on SQLite. A student's grades of
the term by subject and a class's averages (`bench.schoollife_grades`), the week view
(`bench.schoollife_week`). `ENT_BENCH_QUICK=1` shrinks the sample counts."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ent_kit.logging import setup_logging

from bench.schoollife_grades import run_grades
from bench.schoollife_week import run_week_view


async def run() -> None:
    setup_logging("schoollife", "WARNING")  # a failing projector still shows
    with tempfile.TemporaryDirectory(prefix="bench-schoollife-") as tmp:
        await run_grades(Path(tmp))
    await run_week_view()
