"""Wiring of the timetable (emploi du temps), built from the runtime for `service.py`."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

from ent_kit.projections import Projection
from ent_kit.repository import Repository
from ent_kit.runtime import Runtime, provide
from litestar.di import Provide

from ent_schoollife.application.demo_timetable import seed_demo_timetable
from ent_schoollife.application.lessons import TimetableCommands
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.timetable_import import IMPORTS, TimetableImports
from ent_schoollife.application.timetable_projection import (
    TIMETABLE_INDEXES,
    TimetableProjection,
)
from ent_schoollife.application.timetable_queries import TimetableQueries
from ent_schoollife.domain.lesson import Lesson
from ent_schoollife.entrypoints.timetable import TimetableController
from ent_schoollife.entrypoints.timetable_imports import TimetableImportController
from ent_schoollife.wiring.clock import today, utc_now

PROJECTION = TimetableProjection()
PROJECTIONS: list[Projection] = [PROJECTION]
CONTROLLERS = [TimetableController, TimetableImportController]
INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    *TIMETABLE_INDEXES,
    (IMPORTS, ("school_id", "running")),
)


def commands(runtime: Runtime) -> TimetableCommands:
    documents = runtime.storage.documents
    return TimetableCommands(
        Repository(runtime.storage.events, Lesson, runtime.signal),
        documents,
        runtime.projectors[PROJECTION.name],
        Roster(documents),
        lambda: today(runtime),
    )


def queries(runtime: Runtime, roster: Roster | None = None) -> TimetableQueries:
    documents = runtime.storage.documents
    return TimetableQueries(documents, roster or Roster(documents), lambda: today(runtime))


class _Jobs:
    """The imports running in this process, cancelled when the service stops (their
    status then reads "interrupted" once stale)."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="timetable-import")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


_JOBS: WeakKeyDictionary[Runtime, _Jobs] = WeakKeyDictionary()


def jobs(runtime: Runtime) -> _Jobs:
    if runtime not in _JOBS:
        _JOBS[runtime] = _Jobs()
        runtime.close_on_stop(_JOBS[runtime].close)
    return _JOBS[runtime]


def imports(runtime: Runtime) -> TimetableImports:
    documents = runtime.storage.documents
    return TimetableImports(
        documents,
        commands(runtime),
        Roster(documents),
        jobs(runtime).spawn,
        utc_now,
        lambda: today(runtime),
    )


def dependencies(runtime: Runtime) -> dict[str, Provide]:
    return {
        "timetable": provide(lambda: commands(runtime)),
        "timetable_queries": provide(lambda: queries(runtime)),
        "timetable_imports": provide(lambda: imports(runtime)),
    }


async def seed_demo(runtime: Runtime, school_id: str, day: date) -> None:
    documents = runtime.storage.documents
    await seed_demo_timetable(commands(runtime), documents, Roster(documents), school_id, day)
