"""What the direction sets for grades: the school's terms and its subject coefficients;
what everyone of the school reads of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ent_kit.auth import Identity
from ent_kit.errors import Forbidden
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository

from ent_schoollife.application.grades_reading import GradesReader
from ent_schoollife.application.grades_views import (
    CoefficientsView,
    CoefficientView,
    TermsRequest,
    TermsView,
    term_view,
)
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.terms import Terms, TermsCommands
from ent_schoollife.domain.coefficients import SchoolCoefficients, coefficients_id
from ent_schoollife.domain.school_terms import TermDraft
from ent_schoollife.texts import grades as texts


class GradesSetup:
    def __init__(
        self,
        terms_commands: TermsCommands,
        coefficients: Repository[SchoolCoefficients],
        terms: Terms,
        grades: GradesReader,
        roster: Roster,
        projector: LocalProjector,
        today: Callable[[], date],
    ) -> None:
        self._terms_commands = terms_commands
        self._coefficients = coefficients
        self._terms = terms
        self._grades = grades
        self._roster = roster
        self._projector = projector
        self._today = today

    async def terms(self, me: Identity) -> TermsView:
        """The terms of the caller's school for the current school year."""
        viewer = await self._roster.viewer(me)
        today = self._today()
        terms = await self._terms.of_school(viewer.school_id, today)
        current = await self._terms.current(viewer.school_id, today)
        return TermsView(
            school_id=viewer.school_id,
            terms=[term_view(t) for t in terms],
            current=term_view(current),
        )

    async def define_terms(self, me: Identity, request: TermsRequest) -> TermsView:
        drafts = [
            TermDraft(name=t.name, starts_on=t.starts_on, ends_on=t.ends_on) for t in request.terms
        ]
        await self._terms_commands.define(me, request.school_year, drafts)
        return await self.terms(me)

    async def coefficients(self, me: Identity) -> CoefficientsView:
        viewer = await self._roster.viewer(me)
        found = await self._grades.subject_coefficients(viewer.school_id)
        return CoefficientsView(
            coefficients=[
                CoefficientView(subject=s, coefficient=c) for s, c in sorted(found.items())
            ]
        )

    async def set_coefficient(
        self, me: Identity, subject: str, coefficient: float
    ) -> CoefficientsView:
        viewer = await self._roster.viewer(me)
        if not viewer.is_direction:
            raise Forbidden("", "direction_only", texts.DIRECTION_ONLY)
        saved = await self._coefficients.update(
            coefficients_id(viewer.school_id),
            lambda c: c.set(viewer.school_id, subject, coefficient),
            me.actor,
            create=True,
        )
        await self._projector.caught_up(saved.position)
        return await self.coefficients(me)
