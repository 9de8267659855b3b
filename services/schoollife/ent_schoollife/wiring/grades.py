"""Wiring of the grades (notes, moyennes, compétences, périodes), built from the runtime
for `service.py`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ent_kit.projections import Projection
from ent_kit.repository import Repository
from ent_kit.runtime import Runtime, provide
from litestar.di import Provide

from ent_schoollife.application.competencies import Competencies
from ent_schoollife.application.demo_grades import seed_demo_grades
from ent_schoollife.application.evaluations import Evaluations
from ent_schoollife.application.grades_consultation import GradesConsultation
from ent_schoollife.application.grades_projection import GRADES_INDEXES, GradesProjection
from ent_schoollife.application.grades_reading import GradesReader
from ent_schoollife.application.grades_setup import GradesSetup
from ent_schoollife.application.grades_setup_projection import (
    SETUP_INDEXES,
    GradesSetupProjection,
)
from ent_schoollife.application.group_averages import GroupAveragesQuery
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.terms import Terms, TermsCommands
from ent_schoollife.domain.coefficients import SchoolCoefficients
from ent_schoollife.domain.competencies import CompetencyEvaluation
from ent_schoollife.domain.evaluation import Evaluation
from ent_schoollife.domain.school_terms import SchoolTerms
from ent_schoollife.entrypoints.competencies import CompetenciesController
from ent_schoollife.entrypoints.evaluations import EvaluationsController
from ent_schoollife.entrypoints.grades import GradesController
from ent_schoollife.wiring.clock import today, utc_now

GRADES, SETUP = GradesProjection(), GradesSetupProjection()
PROJECTIONS: list[Projection] = [GRADES, SETUP]
CONTROLLERS = [GradesController, EvaluationsController, CompetenciesController]
INDEXES = (*GRADES_INDEXES, *SETUP_INDEXES)
_GRADES, _SETUP = GRADES.name, SETUP.name


def evaluations(runtime: Runtime) -> Evaluations:
    documents = runtime.storage.documents
    return Evaluations(
        Repository(runtime.storage.events, Evaluation, runtime.signal),
        documents,
        Roster(documents),
        runtime.projectors[_GRADES],
        lambda: today(runtime),
        utc_now,
    )


def competencies(runtime: Runtime) -> Competencies:
    documents = runtime.storage.documents
    return Competencies(
        Repository(runtime.storage.events, CompetencyEvaluation, runtime.signal),
        documents,
        Roster(documents),
        Terms(documents),
        runtime.projectors[_GRADES],
        lambda: today(runtime),
        utc_now,
    )


def consultation(runtime: Runtime, roster: Roster | None = None) -> GradesConsultation:
    documents = runtime.storage.documents
    return GradesConsultation(
        documents, roster or Roster(documents), Terms(documents), lambda: today(runtime)
    )


def group_averages(runtime: Runtime) -> GroupAveragesQuery:
    documents = runtime.storage.documents
    return GroupAveragesQuery(
        GradesReader(documents), Roster(documents), Terms(documents), lambda: today(runtime)
    )


def setup(runtime: Runtime) -> GradesSetup:
    documents = runtime.storage.documents
    roster = Roster(documents)
    projector = runtime.projectors[_SETUP]
    return GradesSetup(
        TermsCommands(
            Repository(runtime.storage.events, SchoolTerms, runtime.signal), roster, projector
        ),
        Repository(runtime.storage.events, SchoolCoefficients, runtime.signal),
        Terms(documents),
        GradesReader(documents),
        roster,
        projector,
        lambda: today(runtime),
    )


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    return {
        "grades_setup": provide(lambda: setup(runtime)),
        "grades_evaluations": provide(lambda: evaluations(runtime)),
        "grades_consultation": provide(lambda: consultation(runtime)),
        "grades_group_averages": provide(lambda: group_averages(runtime)),
        "grades_competencies": provide(lambda: competencies(runtime)),
    }


async def seed_demo(runtime: Runtime, school_id: str, day: date) -> None:
    documents = runtime.storage.documents
    await seed_demo_grades(
        evaluations(runtime), Terms(documents), documents, Roster(documents), school_id, day
    )
