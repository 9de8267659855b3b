"""The vie scolaire's read side: a student's absences, late arrivals and punishments of a
term, their counts per term, one absence, its document; the justifications waiting for a
decision. Who reads what is the roster's `followed_student`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore, Download
from ent_kit.errors import Forbidden, NotFound
from ent_kit.storage import DocumentReader, Page, Query, Range, find_all

from ent_schoollife import texts as shared_texts
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.terms import Terms
from ent_schoollife.application.vie_scolaire_projection import ABSENCES, LATENESS, PUNISHMENTS
from ent_schoollife.application.vie_scolaire_views import (
    AbsencePage,
    AbsenceView,
    CountsView,
    LatenessPage,
    PunishmentPage,
    ReasonView,
    SummaryView,
    TermCounts,
    absence_view,
    counts_view,
    lateness_view,
    punishment_view,
    ref,
    term_view,
)
from ent_schoollife.domain.attendance import AbsenceSpan, counts
from ent_schoollife.domain.people import Person
from ent_schoollife.domain.terms import Term
from ent_schoollife.texts import vie_scolaire as texts


class VieScolaireQueries:
    def __init__(
        self,
        reader: DocumentReader,
        roster: Roster,
        blobs: BlobStore,
        today: Callable[[], date],
    ) -> None:
        self._reader = reader
        self._roster = roster
        self._terms = Terms(reader)
        self._blobs = blobs
        self._today = today

    async def reasons(self, me: Identity) -> list[ReasonView]:
        await self._roster.viewer(me)  # for anyone school life knows
        return [ReasonView(code=code, label=label) for code, label in texts.REASONS.items()]

    # --- one absence ----------------------------------------------------------------------

    async def absence(self, me: Identity, absence_id: str) -> AbsenceView:
        viewer = await self._roster.viewer(me)
        doc = await self._followed_absence(viewer, absence_id)
        return (await self._absence_views(viewer, [doc]))[0]

    async def document(self, me: Identity, absence_id: str) -> Download:
        """The justification's document: for the student, their parents and the school's
        staff; teachers and everyone else get a 404."""
        viewer = await self._roster.viewer(me)
        doc = await self._followed_absence(viewer, absence_id)
        document = (doc.get("justification") or {}).get("document")
        if document is None or not await self._private(viewer, doc["student_id"]):
            raise NotFound("absence_id", "document_not_found", texts.DOCUMENT_NOT_FOUND)
        return Download.of(document, self._blobs)

    async def _followed_absence(self, viewer: Person, absence_id: str) -> dict[str, Any]:
        doc = await self._reader.get(ABSENCES, absence_id)
        missing = NotFound("absence_id", "absence_not_found", texts.ABSENCE_NOT_FOUND)
        if doc is None:
            raise missing
        try:
            await self._roster.visible_student(viewer, doc["student_id"], self._today())
        except NotFound:
            raise missing from None
        return {**doc, "id": absence_id}

    # --- a student's term -------------------------------------------------------------------

    async def absences(
        self,
        me: Identity,
        student_id: str | None,
        term_id: str | None,
        cursor: str | None,
        limit: int,
    ) -> AbsencePage:
        viewer, student, term = await self._consultation(me, student_id, term_id)
        query = _in_term(student, "starts_at", _instants(term), cursor, limit)
        page = await self._reader.find(ABSENCES, query)
        items = await self._absence_views(viewer, page.items)
        return AbsencePage(items=items, next_cursor=page.next_cursor, term=term_view(term))

    async def lateness(
        self,
        me: Identity,
        student_id: str | None,
        term_id: str | None,
        cursor: str | None,
        limit: int,
    ) -> LatenessPage:
        _, student, term = await self._consultation(me, student_id, term_id)
        query = _in_term(student, "arrived_at", _instants(term), cursor, limit)
        page = await self._reader.find(LATENESS, query)
        names = await self._names(page, "recorded_by")
        items = [lateness_view(doc["id"], doc, names) for doc in page.items]
        return LatenessPage(term=term_view(term), items=items, next_cursor=page.next_cursor)

    async def punishments(
        self,
        me: Identity,
        student_id: str | None,
        term_id: str | None,
        cursor: str | None,
        limit: int,
    ) -> PunishmentPage:
        _, student, term = await self._consultation(me, student_id, term_id)
        query = _in_term(student, "on", _days(term), cursor, limit)
        page = await self._reader.find(PUNISHMENTS, query)
        names = await self._names(page, "given_by")
        items = [punishment_view(doc["id"], doc, names) for doc in page.items]
        return PunishmentPage(term=term_view(term), items=items, next_cursor=page.next_cursor)

    async def summary(self, me: Identity, student_id: str | None) -> SummaryView:
        """Counts of each term of the school year, computed on the rows of each term."""
        viewer = await self._roster.viewer(me)
        today = self._today()
        student = await self._roster.followed_student(viewer, student_id, today)
        terms = await self._terms.of_school(student.school_id, today)
        current = await self._terms.current(student.school_id, today)
        return SummaryView(
            student=ref(student.user_id, {student.user_id: student.display_name}),
            current_term_id=current.term_id,
            terms=[
                TermCounts(term=term_view(term), counts=await self._counts(student, term))
                for term in terms
            ],
        )

    async def _counts(self, student: Person, term: Term) -> CountsView:
        spans, minutes, kinds = [], [], []
        where = {"student_id": student.user_id}
        query = Query(where=where, ranges={"starts_at": _instants(term)}, limit=1000)
        async for doc in find_all(self._reader, ABSENCES, query):
            spans.append(
                AbsenceSpan(
                    starts_at=msgspec.convert(doc["starts_at"], datetime),
                    ends_at=msgspec.convert(doc["ends_at"], datetime),
                    justified=doc["state"] == "accepted",
                )
            )
        query = Query(where=where, ranges={"arrived_at": _instants(term)}, limit=1000)
        minutes = [doc["minutes"] async for doc in find_all(self._reader, LATENESS, query)]
        query = Query(where=where, ranges={"on": _days(term)}, limit=1000)
        kinds = [doc["kind"] async for doc in find_all(self._reader, PUNISHMENTS, query)]
        return counts_view(counts(spans, minutes, kinds))

    # --- the vie scolaire's desk --------------------------------------------------------------

    async def pending(self, me: Identity, cursor: str | None, limit: int) -> AbsencePage:
        """Justifications waiting for a decision in the caller's school, oldest first."""
        viewer = await self._roster.viewer(me)
        if not viewer.sees_school:
            raise Forbidden("", "staff_only", shared_texts.STAFF_ONLY)
        query = Query(
            where={"school_id": viewer.school_id, "state": "submitted"},
            order_by=[("justified_at", "asc")],
            limit=limit,
            after=cursor,
        )
        page = await self._reader.find(ABSENCES, query)
        items = await self._absence_views(viewer, page.items)
        return AbsencePage(items=items, next_cursor=page.next_cursor)

    # --- helpers ------------------------------------------------------------------------------

    async def _consultation(
        self, me: Identity, student_id: str | None, term_id: str | None
    ) -> tuple[Person, Person, Term]:
        viewer = await self._roster.viewer(me)
        today = self._today()
        student = await self._roster.followed_student(viewer, student_id, today)
        if term_id is None:
            return viewer, student, await self._terms.current(student.school_id, today)
        return viewer, student, await self._terms.by_id(student.school_id, term_id, today)

    async def _private(self, viewer: Person, student_id: str) -> bool:
        """May read the family's comment and document: the student, their parents, the
        school's staff (not the teachers)."""
        if viewer.user_id == student_id or viewer.sees_school:
            return True
        return viewer.profile == "parent" and viewer.user_id in await self._roster.parents_of(
            student_id
        )

    async def _absence_views(self, viewer: Person, docs: list[dict[str, Any]]) -> list[AbsenceView]:
        ids = {doc[key] for doc in docs for key in ("student_id", "recorded_by")}
        names = {
            p.user_id: p.display_name for p in (await self._roster.people(sorted(ids))).values()
        }
        private = {sid: await self._private(viewer, sid) for sid in {d["student_id"] for d in docs}}
        return [
            absence_view(doc["id"], doc, names, private=private[doc["student_id"]]) for doc in docs
        ]

    async def _names(self, page: Page, by: str) -> dict[str, str]:
        ids = {doc[key] for doc in page.items for key in ("student_id", by)}
        return {
            p.user_id: p.display_name for p in (await self._roster.people(sorted(ids))).values()
        }


def _instants(term: Term) -> Range:
    """The term's days as wall-clock instants: from its first midnight to after its last day."""
    return Range(
        gte=datetime.combine(term.starts_on, time()),
        lt=datetime.combine(term.ends_on + timedelta(days=1), time()),
    )


def _days(term: Term) -> Range:
    return Range(gte=term.starts_on, lte=term.ends_on)


def _in_term(student: Person, field: str, within: Range, cursor: str | None, limit: int) -> Query:
    """Newest first."""
    return Query(
        where={"student_id": student.user_id},
        ranges={field: within},
        order_by=[(field, "desc")],
        limit=limit,
        after=cursor,
    )
