"""Wiring of the vie scolaire (absences, lateness, punishments) and of the agenda, built
from the runtime for `service.py`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ent_kit.projections import Projection
from ent_kit.repository import Repository
from ent_kit.runtime import Runtime, provide
from litestar.di import Provide

from ent_schoollife.application.absences import Absences
from ent_schoollife.application.agenda import Agenda
from ent_schoollife.application.agenda_projection import AGENDA_INDEXES, AgendaProjection
from ent_schoollife.application.agenda_queries import AgendaQueries
from ent_schoollife.application.demo_vie_scolaire import seed_demo_vie_scolaire
from ent_schoollife.application.incidents import Incidents
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.vie_scolaire_projection import (
    VIE_SCOLAIRE_INDEXES,
    VieScolaireProjection,
)
from ent_schoollife.application.vie_scolaire_queries import VieScolaireQueries
from ent_schoollife.domain.absence import Absence
from ent_schoollife.domain.agenda import AgendaItem
from ent_schoollife.domain.incidents import Lateness, Punishment
from ent_schoollife.entrypoints.agenda import AgendaController
from ent_schoollife.entrypoints.vie_scolaire import VieScolaireController
from ent_schoollife.wiring.clock import today, utc_now

VIE_SCOLAIRE = VieScolaireProjection()
AGENDA = AgendaProjection()
PROJECTIONS: list[Projection] = [VIE_SCOLAIRE, AGENDA]
INDEXES = (*VIE_SCOLAIRE_INDEXES, *AGENDA_INDEXES)
CONTROLLERS = [VieScolaireController, AgendaController]


def queries(runtime: Runtime) -> VieScolaireQueries:
    documents = runtime.storage.documents
    return VieScolaireQueries(documents, Roster(documents), runtime.blobs, lambda: today(runtime))


def absences(runtime: Runtime) -> Absences:
    documents = runtime.storage.documents
    return Absences(
        Repository(runtime.storage.events, Absence, runtime.signal),
        Roster(documents),
        documents,
        runtime.blobs,
        runtime.projectors[VIE_SCOLAIRE.name],
        queries(runtime),
        lambda: today(runtime),
        utc_now,
    )


def incidents(runtime: Runtime) -> Incidents:
    documents, events, signal = runtime.storage.documents, runtime.storage.events, runtime.signal
    return Incidents(
        Repository(events, Lateness, signal),
        Repository(events, Punishment, signal),
        Roster(documents),
        documents,
        runtime.projectors[VIE_SCOLAIRE.name],
        lambda: today(runtime),
        utc_now,
    )


def agenda_queries(runtime: Runtime, roster: Roster | None = None) -> AgendaQueries:
    documents = runtime.storage.documents
    return AgendaQueries(documents, roster or Roster(documents), lambda: today(runtime))


def agenda(runtime: Runtime) -> Agenda:
    return Agenda(
        Repository(runtime.storage.events, AgendaItem, runtime.signal),
        Roster(runtime.storage.documents),
        runtime.projectors[AGENDA.name],
        agenda_queries(runtime),
        lambda: today(runtime),
        utc_now,
    )


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    return {
        "absences": provide(lambda: absences(runtime)),
        "incidents": provide(lambda: incidents(runtime)),
        "vie_scolaire_queries": provide(lambda: queries(runtime)),
        "agenda": provide(lambda: agenda(runtime)),
        "agenda_queries": provide(lambda: agenda_queries(runtime)),
    }


async def seed_demo(runtime: Runtime, school_id: str, day: date) -> None:
    documents = runtime.storage.documents
    await seed_demo_vie_scolaire(
        absences(runtime),
        incidents(runtime),
        agenda(runtime),
        documents,
        Roster(documents),
        school_id,
        day,
    )
