"""Hand-ins over HTTP ("Déposer ma copie"): a student deposits a copy or ticks "Fait";
teachers list who handed in (on time, late, missing) and download one copy or all."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest
from ent_kit.downloads import UNTRUSTED_FILE_HEADERS, file_stream
from ent_kit.errors import Refused
from ent_kit.uploads import MultipartReader, fields_then_file
from litestar import Controller, get, post, put
from litestar.params import Parameter
from litestar.response import Stream

from ent_schoollife.application.hand_ins import HandIns
from ent_schoollife.application.notebook_views import (
    CopyView,
    DoneTick,
    HandInList,
    StudentStatus,
)
from ent_schoollife.texts import notebook as texts


class HandInsController(Controller):
    path = "/schoollife/notebook/homework/{homework_id:str}"
    tags = ["schoollife"]

    @post(
        "/copies",
        status_code=201,
        summary="Déposer ma copie: hand in my work (a student of the group)",
        description="multipart/form-data with one `file` part: a photo (JPEG, PNG, HEIC) or "
        "a PDF, 10 MB at most; the type is read from the file's first bytes. Kept for good "
        "and timestamped: a new deposit adds a copy, the last one counts; `late` after the "
        "due date-time. 409 `no_hand_in` when the homework asks for none.",
        request_max_body_size=None,  # streamed: the copy enforces its own size limit
    )
    async def submit(self, request: AnyRequest, hand_ins: HandIns, homework_id: str) -> CopyView:
        form = MultipartReader(request.headers.get("content-type", ""), request.stream())
        fields, file = await fields_then_file(form)
        if fields:  # a typo'd field would otherwise be dropped without a word
            raise Refused(sorted(fields)[0], "unexpected", texts.UNEXPECTED_FIELD)
        return await hand_ins.submit(request.user, homework_id, file)

    @put(
        "/done",
        summary='Tick (or untick) "Fait" on homework that asks for no copy (a student)',
    )
    async def done(
        self, request: AnyRequest, hand_ins: HandIns, homework_id: str, data: DoneTick
    ) -> StudentStatus:
        return await hand_ins.mark_done(request.user, homework_id, data.done)

    @get("/copies", summary="A student's copies of a homework, the last first")
    async def copies(
        self,
        request: AnyRequest,
        hand_ins: HandIns,
        homework_id: str,
        student_id: str | None = Parameter(
            default=None,
            description="The student (a parent's child, or any for the group's teachers)",
        ),
    ) -> list[CopyView]:
        return await hand_ins.copies(request.user, homework_id, student_id)

    @get("/copies/{copy_id:str}", summary="Download one copy (HTTP Range)")
    async def copy(
        self, request: AnyRequest, hand_ins: HandIns, homework_id: str, copy_id: str
    ) -> Stream:
        download = await hand_ins.download(request.user, homework_id, copy_id)
        return file_stream(download, request.headers.get("range"))

    @get(
        "/hand-ins",
        summary="Who handed in: every student of the group, on time, late or missing",
        description="For the group's teachers (a substitute during the period), the "
        "direction and vie scolaire.",
    )
    async def hand_ins(
        self, request: AnyRequest, hand_ins: HandIns, homework_id: str
    ) -> HandInList:
        return await hand_ins.hand_ins(request.user, homework_id)

    @get(
        "/hand-ins/zip",
        summary="Every copy handed in, as one zip (streamed)",
        description="Named `Nom Prénom - Matière - date heure.ext`, `(en retard)` when late; "
        "a name taken twice gets ` (2)`.",
    )
    async def zipped(self, request: AnyRequest, hand_ins: HandIns, homework_id: str) -> Stream:
        return Stream(
            await hand_ins.zipped(request.user, homework_id),
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{texts.ZIP_NAME}"',
                "Cache-Control": "no-store",
                **UNTRUSTED_FILE_HEADERS,
            },
        )
