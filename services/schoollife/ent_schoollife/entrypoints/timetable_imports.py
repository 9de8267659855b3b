"""Timetable import from CSV (direction): start an import, follow its progress. Only what
HTTP alone knows is checked here (the media type, a declared length over the limit), and
only once the application has said the caller may import."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest
from ent_kit.problems import Problem
from litestar import Controller, get, post

from ent_schoollife.application.timetable_csv import MAX_IMPORT_BYTES
from ent_schoollife.application.timetable_import import ImportStatus, TimetableImports
from ent_schoollife.texts import timetable as texts

FORMAT = (
    "Body `text/csv`, UTF-8, `;`-separated, at most 2 MB, one header row "
    "`jour;debut;fin;matiere;enseignant;groupe;salle;du;au` (columns in any order; "
    "`salle`, `du`, `au` may be empty or absent). `jour`: lundi … samedi or 1 … 6; "
    "`debut`, `fin`: HH:MM; `enseignant`: the teacher's id, login or « Prénom Nom »; "
    "`groupe`: the class's or group's name; `du`, `au`: AAAA-MM-JJ or JJ/MM/AAAA, "
    "default the school year. All or nothing: any wrong row and nothing is applied, the "
    "status lists each error with its line and column. The file is the school's whole "
    "imported timetable: lessons of an earlier import it no longer has are removed; "
    "the same file twice changes nothing; lessons entered by hand are kept."
)


class TimetableImportController(Controller):
    path = "/schoollife/timetable/imports"
    tags = ["schoollife"]

    @post(
        "/",
        status_code=202,
        summary="Import the school's timetable from CSV (direction)",
        description=FORMAT + " Answers at once; follow the import at its status.",
        request_max_body_size=None,  # streamed: the import enforces MAX_IMPORT_BYTES itself
    )
    async def start(self, request: AnyRequest, timetable_imports: TimetableImports) -> ImportStatus:
        await timetable_imports.may_import(request.user)
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "text/csv":
            raise Problem(415, "unsupported_media_type", texts.CSV_EXPECTED)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_IMPORT_BYTES:
            detail = texts.FILE_TOO_LARGE_DETAIL.format(max=MAX_IMPORT_BYTES)
            raise Problem(413, "too_large", texts.FILE_TOO_LARGE, detail)
        return await timetable_imports.start(request.user, request.stream())

    @get(
        "/{import_id:str}",
        summary="An import's progress and errors (line, column, reason)",
        description="Direction of the school that imported. `done` of `total` steps; "
        "`state`: checking, applying, done, refused (errors, nothing applied), failed or "
        "interrupted (import again).",
    )
    async def status(
        self, request: AnyRequest, timetable_imports: TimetableImports, import_id: str
    ) -> ImportStatus:
        return await timetable_imports.status(request.user, import_id)
