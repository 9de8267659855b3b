"""Vie scolaire HTTP API: absences and their justification, late arrivals, punishments,
a student's record of a term and the counts per term, the justifications to decide."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest, PageSize
from ent_kit.downloads import file_stream
from ent_kit.errors import Refused
from ent_kit.uploads import MultipartReader
from litestar import Controller, get, post
from litestar.response import Stream

from ent_schoollife.application.absences import Absences, JustificationForm
from ent_schoollife.application.incidents import Incidents
from ent_schoollife.application.justification_documents import DocumentUpload
from ent_schoollife.application.vie_scolaire_queries import VieScolaireQueries
from ent_schoollife.application.vie_scolaire_views import (
    AbsencePage,
    AbsenceRequest,
    AbsenceView,
    DecisionRequest,
    JustificationRequest,
    LatenessPage,
    LatenessRequest,
    LatenessView,
    PunishmentPage,
    PunishmentRequest,
    PunishmentView,
    ReasonView,
    SummaryView,
)
from ent_schoollife.texts import vie_scolaire as texts

STUDENT = "`student_id`: a parent's child (left out with one child), required for staff "
TERM = "and teachers; `term_id` one of the school year's terms (the current one if left out)."
WHO_RECORDS = (
    "The vie scolaire and the direction for any student of their school; a teacher for a "
    "student of the group of their lesson (`group_id`, required for them: 403 "
    "`not_teaching` for a group they do not teach, `not_your_student` for a student not in "
    "it). Parents and students: 403."
)


class VieScolaireController(Controller):
    path = "/schoollife/vie-scolaire"
    tags = ["schoollife"]

    @get("/reasons", summary="The reasons a parent picks from to justify an absence")
    async def reasons(
        self, request: AnyRequest, vie_scolaire_queries: VieScolaireQueries
    ) -> list[ReasonView]:
        return await vie_scolaire_queries.reasons(request.user)

    # --- absences -------------------------------------------------------------------------

    @post("/absences", status_code=201, summary="Record an absence", description=WHO_RECORDS)
    async def record_absence(
        self, request: AnyRequest, data: AbsenceRequest, absences: Absences
    ) -> AbsenceView:
        return await absences.record(request.user, data)

    @get(
        "/absences",
        summary="A student's absences of a term, newest first",
        description=STUDENT + TERM + " Teachers see the reason of a justification, not the "
        "family's comment nor its document.",
    )
    async def absences(
        self,
        request: AnyRequest,
        vie_scolaire_queries: VieScolaireQueries,
        student_id: str | None = None,
        term_id: str | None = None,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> AbsencePage:
        return await vie_scolaire_queries.absences(request.user, student_id, term_id, cursor, limit)

    @get("/absences/{absence_id:str}", summary="One absence, with its justification")
    async def absence(
        self, request: AnyRequest, vie_scolaire_queries: VieScolaireQueries, absence_id: str
    ) -> AbsenceView:
        return await vie_scolaire_queries.absence(request.user, absence_id)

    @post(
        "/absences/{absence_id:str}/justification",
        status_code=200,
        summary="Justify my child's absence (JSON, no document)",
        description="Parents only; another family's absence is a 404. Possible while the "
        "absence is to justify, or after a refusal (409 `already_justified` otherwise). "
        "With a document, use `…/justification/form`.",
    )
    async def justify(
        self,
        request: AnyRequest,
        data: JustificationRequest,
        absences: Absences,
        absence_id: str,
    ) -> AbsenceView:
        form = JustificationForm(reason=data.reason, comment=data.comment)
        return await absences.justify(request.user, absence_id, form)

    @post(
        "/absences/{absence_id:str}/justification/form",
        status_code=200,
        summary="Justify my child's absence with a document (multipart/form-data)",
        description="Fields in this order: `reason` (a code of `/reasons`), `comment` "
        "(optional), then `document` (optional): a PDF, JPEG or PNG of 10 MB at most, "
        "streamed to storage; its first bytes decide its type (400 "
        "`unsupported_document_type`, 413 `document_too_large`).",
        request_max_body_size=None,  # streamed: the document's own limit applies
    )
    async def justify_with_document(
        self, request: AnyRequest, absences: Absences, absence_id: str
    ) -> AbsenceView:
        form = MultipartReader(request.headers.get("content-type", ""), request.stream())
        return await absences.justify(request.user, absence_id, await _justification(form))

    @get(
        "/absences/{absence_id:str}/justification/document",
        summary="Download the document of a justification (HTTP Range)",
        description="For the student, their parents, the vie scolaire and the direction.",
    )
    async def document(
        self, request: AnyRequest, vie_scolaire_queries: VieScolaireQueries, absence_id: str
    ) -> Stream:
        download = await vie_scolaire_queries.document(request.user, absence_id)
        return file_stream(download, request.headers.get("range"))

    @post(
        "/absences/{absence_id:str}/decision",
        status_code=200,
        summary="Accept or refuse a justification (vie scolaire, direction)",
        description="A refusal says why (`comment`, 400 `comment_required`). Only a "
        "justification waiting for a decision (409 `nothing_to_decide`).",
    )
    async def decide(
        self, request: AnyRequest, data: DecisionRequest, absences: Absences, absence_id: str
    ) -> AbsenceView:
        return await absences.decide(request.user, absence_id, data)

    @get(
        "/pending",
        summary="Justifications waiting for a decision in my school, oldest first",
        description="The vie scolaire's and the direction's desk; anyone else: 403.",
    )
    async def pending(
        self,
        request: AnyRequest,
        vie_scolaire_queries: VieScolaireQueries,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> AbsencePage:
        return await vie_scolaire_queries.pending(request.user, cursor, limit)

    # --- lateness and punishments ------------------------------------------------------------

    @post("/lateness", status_code=201, summary="Record a late arrival", description=WHO_RECORDS)
    async def record_lateness(
        self, request: AnyRequest, data: LatenessRequest, incidents: Incidents
    ) -> LatenessView:
        return await incidents.record_lateness(request.user, data)

    @get("/lateness", summary="A student's late arrivals of a term", description=STUDENT + TERM)
    async def lateness(
        self,
        request: AnyRequest,
        vie_scolaire_queries: VieScolaireQueries,
        student_id: str | None = None,
        term_id: str | None = None,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> LatenessPage:
        return await vie_scolaire_queries.lateness(request.user, student_id, term_id, cursor, limit)

    @post(
        "/punishments",
        status_code=201,
        summary="Give a punition or a sanction",
        description=WHO_RECORDS + " A sanction is the vie scolaire's or the direction's "
        "(403 `sanction_staff_only`).",
    )
    async def give_punishment(
        self, request: AnyRequest, data: PunishmentRequest, incidents: Incidents
    ) -> PunishmentView:
        return await incidents.give_punishment(request.user, data)

    @get("/punishments", summary="A student's punishments of a term", description=STUDENT + TERM)
    async def punishments(
        self,
        request: AnyRequest,
        vie_scolaire_queries: VieScolaireQueries,
        student_id: str | None = None,
        term_id: str | None = None,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> PunishmentPage:
        return await vie_scolaire_queries.punishments(
            request.user, student_id, term_id, cursor, limit
        )

    @get(
        "/summary",
        summary="A student's counts per term: absences, half-days, late arrivals, punishments",
        description=STUDENT + "and teachers. Half-days: a day has a morning (before 12:00) "
        "and an afternoon; an absence counts one for each it touches, Sundays aside, and two "
        "absences touching the same one count it once. Unjustified: not accepted (yet).",
    )
    async def summary(
        self,
        request: AnyRequest,
        vie_scolaire_queries: VieScolaireQueries,
        student_id: str | None = None,
    ) -> SummaryView:
        return await vie_scolaire_queries.summary(request.user, student_id)


async def _justification(form: MultipartReader) -> JustificationForm:
    """The fields, then the document left unread so that it streams into storage. An
    empty file part (a form sent without choosing a file) is no document."""
    fields: dict[str, str] = {}
    document = None
    while part := await form.next_part():
        if part.filename is not None:
            if part.name != "document":
                raise Refused(part.name, "unexpected", texts.UNEXPECTED_FIELD)
            if part.filename:
                document = DocumentUpload(part.filename, form.chunks())
                break
            continue
        if part.name not in ("reason", "comment"):
            raise Refused(part.name, "unexpected", texts.UNEXPECTED_FIELD)
        fields[part.name] = await form.text()
    return JustificationForm(
        reason=fields.get("reason", ""), comment=fields.get("comment", ""), document=document
    )
