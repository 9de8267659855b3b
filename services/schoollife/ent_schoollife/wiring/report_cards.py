"""Wiring of the report cards (bulletins), built from the runtime for `service.py`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache

from ent_kit.projections import Projection
from ent_kit.repository import Repository
from ent_kit.runtime import Runtime, provide
from litestar.di import Provide

from ent_schoollife.adapters.report_card_pdf import ReportCardPdf
from ent_schoollife.application.demo_report_cards import seed_demo_report_cards
from ent_schoollife.application.grades_reading import GradesReader
from ent_schoollife.application.report_card_grades import ReportCardGrades
from ent_schoollife.application.report_card_queries import ReportCardQueries
from ent_schoollife.application.report_cards import ReportCardCommands, ReportCardScopes
from ent_schoollife.application.report_cards_projection import (
    REPORT_CARDS_INDEXES,
    ReportCardsProjection,
)
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.terms import Terms
from ent_schoollife.domain.report_cards import ClassReportCards
from ent_schoollife.entrypoints.report_cards import ReportCardsController
from ent_schoollife.wiring.clock import today, utc_now

PROJECTION = ReportCardsProjection()
PROJECTIONS: list[Projection] = [PROJECTION]
INDEXES = REPORT_CARDS_INDEXES
CONTROLLERS = [ReportCardsController]


@cache
def pdf_renderer() -> ReportCardPdf:
    """One renderer per process: the font is looked for once."""
    return ReportCardPdf()


def scopes(runtime: Runtime) -> ReportCardScopes:
    documents = runtime.storage.documents
    return ReportCardScopes(Roster(documents), Terms(documents))


def commands(runtime: Runtime) -> ReportCardCommands:
    documents = runtime.storage.documents
    return ReportCardCommands(
        Repository(runtime.storage.events, ClassReportCards, runtime.signal),
        scopes(runtime),
        ReportCardGrades(GradesReader(documents), Roster(documents)),
        runtime.projectors[PROJECTION.name],
        lambda: today(runtime),
        utc_now,
    )


def queries(runtime: Runtime) -> ReportCardQueries:
    return ReportCardQueries(
        runtime.storage.documents, scopes(runtime), pdf_renderer(), lambda: today(runtime)
    )


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    return {
        "report_card_commands": provide(lambda: commands(runtime)),
        "report_card_queries": provide(lambda: queries(runtime)),
    }


async def seed_demo(runtime: Runtime, school_id: str, day: date) -> None:
    documents = runtime.storage.documents
    await seed_demo_report_cards(
        commands(runtime), Terms(documents), documents, Roster(documents), school_id, day
    )
