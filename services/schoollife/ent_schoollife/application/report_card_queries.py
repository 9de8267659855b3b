"""Reading report cards: a class's for its teachers and the staff (draft or published),
a student's published ones for them, their parents, their teachers and the staff, and
one as a PDF. Before publication a report card does not exist for students and parents."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

from ent_kit.auth import Identity
from ent_kit.errors import NotFound
from ent_kit.storage import DocumentReader, Query

from ent_schoollife import texts as common
from ent_schoollife.application.report_card_views import (
    AppreciationView,
    ClassReportCardsView,
    PdfRenderer,
    ReportCardPage,
    ReportCardView,
    StudentDraftView,
    report_card_view,
)
from ent_schoollife.application.report_cards import ReportCardScopes
from ent_schoollife.application.report_cards_projection import REPORT_CARDS
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.people import Group, Person
from ent_schoollife.texts import report_cards as texts


class ReportCardQueries:
    def __init__(
        self,
        reader: DocumentReader,
        scopes: ReportCardScopes,
        render: PdfRenderer,
        today: Callable[[], date],
    ) -> None:
        self._reader = reader
        self._scopes = scopes
        self._roster: Roster = scopes.roster
        self._render = render
        self._today = today

    async def of_class(self, me: Identity, class_id: str, term_id: str) -> ClassReportCardsView:
        """The class's teachers and the school's staff; a teacher of some of its students
        only (another group of theirs, e.g. Latin) sees those students. Anyone else: 404."""
        viewer, today = await self._roster.viewer(me), self._today()
        group = await self._scopes.class_of_school(viewer, class_id)
        students = await self._visible_students(viewer, group, today)
        scope = await self._scopes.scope(group, term_id, today)
        page = await self._reader.find(
            REPORT_CARDS, Query(where={"class_id": class_id, "term_id": term_id}, limit=1000)
        )
        rows = {doc["student_id"]: doc for doc in page.items}
        people = await self._roster.people(students)
        return ClassReportCardsView(
            class_id=class_id,
            class_name=group.name,
            term_id=term_id,
            term_name=scope.term.name,
            main_teacher_id=group.main_teacher_id,
            published=any(doc["published"] for doc in rows.values()),
            students=[
                _draft_view(s, people[s].display_name if s in people else "", rows.get(s))
                for s in students
            ],
        )

    async def of_student(
        self, me: Identity, student_id: str | None, cursor: str | None, limit: int
    ) -> ReportCardPage:
        """A student's published report cards, newest first."""
        viewer = await self._roster.viewer(me)
        student = await self._roster.followed_student(viewer, student_id, self._today())
        page = await self._reader.find(
            REPORT_CARDS,
            Query(
                where={"student_id": student.user_id, "published": True},
                order_by=[("published_at", "desc")],
                limit=limit,
                after=cursor,
            ),
        )
        names = await self._class_names({doc["class_id"] for doc in page.items})
        items = [
            report_card_view(doc["id"], doc, student.display_name, names.get(doc["class_id"], ""))
            for doc in page.items
        ]
        return ReportCardPage(items, page.next_cursor)

    async def one(self, me: Identity, report_card_id: str) -> ReportCardView:
        """A published report card of a student the caller follows; else 404."""
        viewer = await self._roster.viewer(me)
        doc = await self._reader.get(REPORT_CARDS, report_card_id)
        if doc is None or not doc["published"]:
            raise NotFound("report_card_id", "report_card_not_found", texts.REPORT_CARD_NOT_FOUND)
        try:
            student = await self._roster.visible_student(viewer, doc["student_id"], self._today())
        except NotFound:
            raise NotFound(
                "report_card_id", "report_card_not_found", texts.REPORT_CARD_NOT_FOUND
            ) from None
        names = await self._class_names({doc["class_id"]})
        return report_card_view(
            report_card_id, doc, student.display_name, names.get(doc["class_id"], "")
        )

    async def pdf(self, me: Identity, report_card_id: str) -> tuple[bytes, str]:
        """The PDF of a published report card, and its file name."""
        card = await self.one(me, report_card_id)
        # Rendering takes tens of milliseconds of CPU: off the event loop.
        data = await asyncio.to_thread(self._render, card)
        name = texts.PDF_FILE_NAME.format(term=card.term_name, name=card.student_name)
        return data, name

    async def _visible_students(self, viewer: Person, group: Group, today: date) -> list[str]:
        students = await self._scopes.students(group)
        if viewer.sees_school or await self._roster.teaches(viewer, group.group_id, today):
            return students
        if viewer.profile == "teacher":
            taught: set[str] = set()
            for other in await self._roster.groups_taught(viewer.user_id, today):
                taught |= set(await self._roster.students_of(other.group_id))
            if mine := [s for s in students if s in taught]:
                return mine
        raise NotFound("class_id", "group_not_found", common.GROUP_NOT_FOUND)

    async def _class_names(self, class_ids: set[str]) -> dict[str, str]:
        return {g.group_id: g.name for g in await self._roster.groups(sorted(class_ids))}


def _draft_view(student_id: str, name: str, doc: dict[str, Any] | None) -> StudentDraftView:
    if doc is None:
        return StudentDraftView(
            student_id=student_id,
            display_name=name,
            appreciations=[],
            general_appreciation="",
            report_card_id=None,
        )
    return StudentDraftView(
        student_id=student_id,
        display_name=name,
        appreciations=[AppreciationView(**a) for a in doc["appreciations"]],
        general_appreciation=doc["general_appreciation"],
        report_card_id=doc["id"] if doc["published"] else None,
    )
