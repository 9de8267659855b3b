"""Wiring of the homework notebook and the hand-ins, built from the runtime for
`service.py`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ent_kit.projections import Projection
from ent_kit.repository import Repository
from ent_kit.runtime import Runtime, provide
from litestar.di import Provide

from ent_schoollife.application.demo_notebook import seed_demo_notebook
from ent_schoollife.application.hand_ins import HandIns
from ent_schoollife.application.notebook import Notebook
from ent_schoollife.application.notebook_access import NotebookAccess
from ent_schoollife.application.notebook_projection import NOTEBOOK_INDEXES, NotebookProjection
from ent_schoollife.application.notebook_queries import NotebookQueries
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.hand_in import HandIn
from ent_schoollife.domain.notebook import Homework, LessonEntry
from ent_schoollife.entrypoints.hand_ins import HandInsController
from ent_schoollife.entrypoints.notebook import NotebookController
from ent_schoollife.wiring.clock import now, utc_now

PROJECTION = NotebookProjection()
PROJECTIONS: list[Projection] = [PROJECTION]
INDEXES = NOTEBOOK_INDEXES
CONTROLLERS = [NotebookController, HandInsController]


def access(runtime: Runtime, roster: Roster | None = None) -> NotebookAccess:
    documents = runtime.storage.documents
    return NotebookAccess(documents, roster or Roster(documents), lambda: now(runtime), utc_now)


def notebook(runtime: Runtime) -> Notebook:
    events, signal = runtime.storage.events, runtime.signal
    return Notebook(
        access(runtime),
        Repository(events, LessonEntry, signal),
        Repository(events, Homework, signal),
        runtime.blobs,
        runtime.projectors[PROJECTION.name],
    )


def queries(runtime: Runtime, roster: Roster | None = None) -> NotebookQueries:
    return NotebookQueries(access(runtime, roster), runtime.blobs)


def hand_ins(runtime: Runtime) -> HandIns:
    events, signal = runtime.storage.events, runtime.signal
    return HandIns(
        access(runtime),
        Repository(events, Homework, signal),
        Repository(events, HandIn, signal),
        runtime.blobs,
        runtime.projectors[PROJECTION.name],
    )


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    return {
        "notebook": provide(lambda: notebook(runtime)),
        "notebook_queries": provide(lambda: queries(runtime)),
        "hand_ins": provide(lambda: hand_ins(runtime)),
    }


async def seed_demo(runtime: Runtime, school_id: str, day: date) -> None:
    documents = runtime.storage.documents
    await seed_demo_notebook(
        notebook(runtime), hand_ins(runtime), documents, Roster(documents), school_id, day
    )
