"""A school's terms as every area reads them (`Terms`), and the direction's definition of
them (`TermsCommands`). A school that defined none follows the default trimesters."""

from __future__ import annotations

from datetime import date
from typing import Any

from ent_kit.auth import Identity
from ent_kit.errors import Forbidden, NotFound
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader

from ent_schoollife.application.grades_setup_projection import TERMS, terms_doc_id
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.school_terms import SchoolTerms, TermDraft, nearest_term, school_terms_id
from ent_schoollife.domain.terms import Term, default_terms, school_year_start, term_day
from ent_schoollife.texts import grades as texts


class Terms:
    """Reads a school's terms: `of_school` for the school year holding `day`, `current`
    the one holding `day` (the nearest one when the school's terms leave `day` out)."""

    def __init__(self, reader: DocumentReader) -> None:
        self._reader = reader

    async def of_school(self, school_id: str, day: date) -> list[Term]:
        doc = await self._reader.get(TERMS, terms_doc_id(school_id, school_year_start(day)))
        if doc is None or not doc.get("terms"):
            return default_terms(day)
        return [_term(row) for row in doc["terms"]]

    async def current(self, school_id: str, day: date) -> Term:
        return nearest_term(await self.of_school(school_id, day), day)

    async def by_id(self, school_id: str, term_id: str, day: date) -> Term:
        """A term by id, of the school year the id names (`2026-2027-T1`: last year's
        too), else of the school year holding `day` (404 when not one of them). The one
        way every area (grades, vie scolaire, report cards) finds a term by id."""
        return (await self.chosen(school_id, term_id, day))[1]

    async def chosen(
        self, school_id: str, term_id: str | None, day: date
    ) -> tuple[list[Term], Term]:
        """The terms of the school year a term id names (of `day`'s when None) and the
        term asked for (the current one when None)."""
        terms = await self.of_school(school_id, day if term_id is None else term_day(term_id, day))
        return terms, choose(terms, term_id, day)


def choose(terms: list[Term], term_id: str | None, day: date) -> Term:
    """The term asked for among `terms` (404 when not one of them), else the current one."""
    if term_id is None:
        return nearest_term(terms, day)
    for term in terms:
        if term.term_id == term_id:
            return term
    raise NotFound("term_id", "term_not_found", texts.TERM_NOT_FOUND)


class TermsCommands:
    def __init__(
        self, terms: Repository[SchoolTerms], roster: Roster, projector: LocalProjector
    ) -> None:
        self._terms = terms
        self._roster = roster
        self._projector = projector

    async def define(self, me: Identity, school_year: int, drafts: list[TermDraft]) -> None:
        """The direction sets its school's terms for a school year."""
        viewer = await self._roster.viewer(me)
        if not viewer.is_direction:
            raise Forbidden("", "direction_only", texts.DIRECTION_ONLY)
        aggregate_id = school_terms_id(viewer.school_id, school_year)
        saved = await self._terms.update(
            aggregate_id,
            lambda t: t.define(viewer.school_id, school_year, drafts),
            me.actor,
            create=True,
        )
        await self._projector.caught_up(saved.position)


def _term(row: dict[str, Any]) -> Term:
    return Term(
        term_id=row["term_id"],
        name=row["name"],
        starts_on=date.fromisoformat(row["starts_on"]),
        ends_on=date.fromisoformat(row["ends_on"]),
    )
