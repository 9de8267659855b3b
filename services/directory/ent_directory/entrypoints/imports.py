"""Directory HTTP API: a school's import from CSV. Only what HTTP alone knows is checked
here (the media type, a declared length over the limit), and only once the application has
said the caller may import: who may not learns 403, nothing about what they sent. The rest
is the application's."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest
from ent_kit.problems import Problem
from litestar import Controller, post

from ent_directory import texts
from ent_directory.application.administration import Administration
from ent_directory.application.csv_stream import MAX_IMPORT_BYTES
from ent_directory.application.school_import import ImportReport


class ImportController(Controller):
    path = "/directory/schools/{school_id:str}/import"
    tags = ["directory"]

    @post(
        "/",
        status_code=200,
        summary="Import the school from CSV (direction or service; a re-import is idempotent)",
        description=(
            "Body `text/csv`, UTF-8, `;`-separated, at most 50 MB, header "
            "`profil;identifiant;nom;prenom;login;classes;matieres;fonction;enfants`. "
            "Changes are updated, people missing from the file deactivated, nobody duplicated; "
            "bad rows are reported with their line and reason and do not stop the rest."
        ),
        request_max_body_size=None,  # streamed: the import enforces MAX_IMPORT_BYTES itself
    )
    async def import_school(
        self, request: AnyRequest, administration: Administration, school_id: str
    ) -> ImportReport:
        await administration.may_import(request.user, school_id)
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "text/csv":
            raise Problem(415, "unsupported_media_type", texts.CSV_EXPECTED)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_IMPORT_BYTES:
            detail = texts.FILE_TOO_LARGE_DETAIL.format(max=MAX_IMPORT_BYTES)
            raise Problem(413, "too_large", texts.FILE_TOO_LARGE, detail)
        return await administration.import_school(request.user, school_id, request.stream())
