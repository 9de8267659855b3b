"""Report cards (bulletins): appreciations, publication after the class council, a
student's published report cards and their PDF."""

from __future__ import annotations

import hashlib

from ent_kit.controllers import AnyRequest, PageSize
from ent_kit.downloads import attachment_headers
from litestar import Controller, Response, get, post, put

from ent_schoollife.application.report_card_queries import ReportCardQueries
from ent_schoollife.application.report_card_views import (
    AppreciationRequest,
    ClassReportCardsView,
    GeneralAppreciationRequest,
    Publication,
    ReportCardPage,
    ReportCardView,
)
from ent_schoollife.application.report_cards import ReportCardCommands

CLASS_TERM = "/classes/{class_id:str}/terms/{term_id:str}"


class ReportCardsController(Controller):
    path = "/schoollife/report-cards"
    tags = ["schoollife"]

    @get(
        "/",
        summary="A student's published report cards, newest first",
        description="A student their own; a parent a child (`student_id`, optional with one "
        "child); a teacher a student of a group they teach; direction and vie scolaire any "
        "student of the school. Report cards not yet published are not listed.",
    )
    async def of_student(
        self,
        request: AnyRequest,
        report_card_queries: ReportCardQueries,
        student_id: str | None = None,
        cursor: str | None = None,
        limit: PageSize = 20,
    ) -> ReportCardPage:
        return await report_card_queries.of_student(request.user, student_id, cursor, limit)

    @get(
        "/{report_card_id:str}",
        summary="One published report card: averages frozen at publication, appreciations",
        description="404 for a report card not published yet, or of a student the caller "
        "does not follow.",
    )
    async def one(
        self, request: AnyRequest, report_card_queries: ReportCardQueries, report_card_id: str
    ) -> ReportCardView:
        return await report_card_queries.one(request.user, report_card_id)

    @get(
        "/{report_card_id:str}/pdf",
        summary="Download a published report card as PDF",
        media_type="application/pdf",
    )
    async def pdf(
        self, request: AnyRequest, report_card_queries: ReportCardQueries, report_card_id: str
    ) -> Response[bytes]:
        data, name = await report_card_queries.pdf(request.user, report_card_id)
        headers = attachment_headers(name, len(data), hashlib.sha256(data).hexdigest())
        return Response(data, media_type="application/pdf", headers=headers)

    @get(
        CLASS_TERM,
        summary="A class's report cards for a term (teachers of the class, staff)",
        description="Draft or published: each student's appreciations and general "
        "appreciation, and once published the `report_card_id` to read. `term_id`: one of "
        "the school's terms (by default the trimesters `2026-2027-T1`, `-T2`, `-T3`). "
        "Students and parents: 404 (they read their published report cards only).",
    )
    async def of_class(
        self,
        request: AnyRequest,
        report_card_queries: ReportCardQueries,
        class_id: str,
        term_id: str,
    ) -> ClassReportCardsView:
        return await report_card_queries.of_class(request.user, class_id, term_id)

    @put(
        f"{CLASS_TERM}/appreciations",
        status_code=204,
        summary="Write my appreciation of a student in my subject (teachers of the student)",
        description="A teacher of the class, or of the student in another group (Latin). "
        "`subject` may be left out by a teacher of one subject. An empty `text` removes it. "
        "409 once the report cards are published.",
    )
    async def appreciation(
        self,
        request: AnyRequest,
        data: AppreciationRequest,
        report_card_commands: ReportCardCommands,
        class_id: str,
        term_id: str,
    ) -> None:
        await report_card_commands.write_appreciation(request.user, class_id, term_id, data)

    @put(
        f"{CLASS_TERM}/general-appreciations",
        status_code=204,
        summary="Write the general appreciation of a student (the class's main teacher)",
        description="An empty `text` removes it. 409 once the report cards are published.",
    )
    async def general_appreciation(
        self,
        request: AnyRequest,
        data: GeneralAppreciationRequest,
        report_card_commands: ReportCardCommands,
        class_id: str,
        term_id: str,
    ) -> None:
        await report_card_commands.write_general(request.user, class_id, term_id, data)

    @post(
        f"{CLASS_TERM}/publish",
        status_code=201,
        summary="Publish the class's report cards after the class council (direction)",
        description="One report card per student, its averages computed now from the "
        "published grades and frozen: later grade changes do not move them. Students and "
        "parents see them from now on. 409 when already published.",
    )
    async def publish(
        self,
        request: AnyRequest,
        report_card_commands: ReportCardCommands,
        class_id: str,
        term_id: str,
    ) -> Publication:
        return await report_card_commands.publish(request.user, class_id, term_id)
