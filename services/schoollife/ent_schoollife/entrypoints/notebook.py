"""The homework notebook (cahier de textes) over HTTP: teachers write lessons' contents and
give work to do with documents; students and parents read it by due date or by week."""

from __future__ import annotations

from datetime import date
from typing import get_args

from ent_contracts.schoollife.notebook import DocumentKind
from ent_kit.controllers import AnyRequest, PageSize
from ent_kit.downloads import file_stream
from ent_kit.errors import Refused
from ent_kit.uploads import MultipartReader, fields_then_file
from litestar import Controller, delete, get, post, put
from litestar.params import Parameter
from litestar.response import Stream

from ent_schoollife.application.notebook import Notebook
from ent_schoollife.application.notebook_queries import NotebookQueries
from ent_schoollife.application.notebook_views import (
    DocumentView,
    HomeworkChange,
    HomeworkPage,
    HomeworkRequest,
    HomeworkView,
    LessonRequest,
    LessonView,
    WeekView,
)
from ent_schoollife.texts import notebook as texts

STUDENT_ID = Parameter(
    default=None,
    description="The student followed: a parent's child (may be left out with one child); "
    "required for teachers and staff; a student reads their own.",
)
SINCE = Parameter(default=None, description="First due date listed (default: today)")
DAY = Parameter(default=None, description="Any day of the week wanted (default: today)")
KINDS = get_args(DocumentKind)


class NotebookController(Controller):
    path = "/schoollife/notebook"
    tags = ["schoollife"]

    # --- a student's notebook ---------------------------------------------------------

    @get(
        "/homework",
        summary="A student's homework by due date (chronological view, paged)",
        description="Each item says whether the student did it (`status.done`: a copy "
        "handed in where one is asked, else the student's own tick).",
    )
    async def chronological(
        self,
        request: AnyRequest,
        notebook_queries: NotebookQueries,
        limit: PageSize = 50,
        cursor: str | None = None,
        student_id: str | None = STUDENT_ID,
        since: date | None = SINCE,
    ) -> HomeworkPage:
        return await notebook_queries.chronological(request.user, student_id, since, cursor, limit)

    @get(
        "/week",
        summary="A student's week: lessons' contents and homework due, Monday to Sunday",
    )
    async def week(
        self,
        request: AnyRequest,
        notebook_queries: NotebookQueries,
        student_id: str | None = STUDENT_ID,
        day: date | None = DAY,
    ) -> WeekView:
        return await notebook_queries.week(request.user, student_id, day)

    @get(
        "/due-this-week",
        summary="A student's homework due this week, each done or not (the home page's)",
        description="Monday to Sunday of the current week, by due date; `status.done` as "
        "in the chronological view.",
    )
    async def due_this_week(
        self,
        request: AnyRequest,
        notebook_queries: NotebookQueries,
        student_id: str | None = STUDENT_ID,
    ) -> list[HomeworkView]:
        return await notebook_queries.due_this_week(request.user, student_id)

    # --- a group's notebook -----------------------------------------------------------

    @get("/groups/{group_id:str}/homework", summary="A group's homework by due date (paged)")
    async def group_homework(
        self,
        request: AnyRequest,
        notebook_queries: NotebookQueries,
        group_id: str,
        limit: PageSize = 50,
        cursor: str | None = None,
        since: date | None = SINCE,
    ) -> HomeworkPage:
        return await notebook_queries.group_chronological(
            request.user, group_id, since, cursor, limit
        )

    @get("/groups/{group_id:str}/week", summary="A group's week: lessons' contents, homework")
    async def group_week(
        self,
        request: AnyRequest,
        notebook_queries: NotebookQueries,
        group_id: str,
        day: date | None = DAY,
    ) -> WeekView:
        return await notebook_queries.group_week(request.user, group_id, day)

    # --- lessons ----------------------------------------------------------------------

    @post(
        "/lessons",
        status_code=201,
        summary="Write a lesson's content (a group I teach)",
        description="`timetable_lesson_id` links the page to the timetable's lesson.",
    )
    async def write_lesson(
        self, request: AnyRequest, notebook: Notebook, data: LessonRequest
    ) -> LessonView:
        return await notebook.write_lesson(request.user, data)

    @put("/lessons/{lesson_id:str}", summary="Rewrite a lesson's content (same group)")
    async def rewrite_lesson(
        self, request: AnyRequest, notebook: Notebook, lesson_id: str, data: LessonRequest
    ) -> LessonView:
        return await notebook.write_lesson(request.user, data, lesson_id)

    @get("/lessons/{lesson_id:str}", summary="A lesson's content")
    async def lesson(
        self, request: AnyRequest, notebook_queries: NotebookQueries, lesson_id: str
    ) -> LessonView:
        return await notebook_queries.lesson(request.user, lesson_id)

    # --- homework ---------------------------------------------------------------------

    @post(
        "/homework",
        status_code=201,
        summary="Give work to do to a group I teach",
        description="Due `due_on` at `due_time`, 08:00 when left out. `hand_in`: the "
        "students hand in a copy (Déposer ma copie). 403 `not_teaching` for a group of my "
        "school I do not teach.",
    )
    async def assign(
        self, request: AnyRequest, notebook: Notebook, data: HomeworkRequest
    ) -> HomeworkView:
        return await notebook.assign(request.user, data)

    @get("/homework/{homework_id:str}", summary="One homework (with my status, as a student)")
    async def homework(
        self, request: AnyRequest, notebook_queries: NotebookQueries, homework_id: str
    ) -> HomeworkView:
        return await notebook_queries.homework(request.user, homework_id)

    @put("/homework/{homework_id:str}", summary="Change a homework (title, due, hand-in…)")
    async def change(
        self, request: AnyRequest, notebook: Notebook, homework_id: str, data: HomeworkChange
    ) -> HomeworkView:
        return await notebook.change(request.user, homework_id, data)

    @delete(
        "/homework/{homework_id:str}",
        status_code=204,
        summary="Withdraw a homework (copies handed in are kept)",
        description=(
            "The homework leaves the notebook, the week and the lists (404 from then on). "
            "The copies handed in are kept: the group's teachers (and the school's "
            "direction and vie scolaire) still list them (`GET …/hand-ins`), take them as "
            "a zip (`GET …/hand-ins/zip`) and download each one; a student (and their "
            "parents) still lists and downloads their own copies. Nothing more can be "
            "handed in."
        ),
    )
    async def withdraw(self, request: AnyRequest, notebook: Notebook, homework_id: str) -> None:
        await notebook.withdraw(request.user, homework_id)

    @post(
        "/homework/{homework_id:str}/documents",
        status_code=201,
        summary="Attach a document to a homework (énoncé, corrigé, support)",
        description="multipart/form-data: `kind` (enonce, corrige or support), then `file` "
        "last. 10 MB per document, 10 documents per homework. Streamed, never buffered.",
        request_max_body_size=None,  # streamed: the upload enforces its own size limit
    )
    async def attach(
        self, request: AnyRequest, notebook: Notebook, homework_id: str
    ) -> DocumentView:
        form = MultipartReader(request.headers.get("content-type", ""), request.stream())
        fields, file = await fields_then_file(form)
        unexpected = sorted(set(fields) - {"kind"})
        if unexpected:
            raise Refused(unexpected[0], "unexpected", texts.UNEXPECTED_FIELD)
        kind = (fields.get("kind") or ["support"])[-1]
        if kind not in KINDS:
            raise Refused("kind", "invalid_kind", texts.BAD_KIND)
        return await notebook.attach(request.user, homework_id, kind, file)  # type: ignore[arg-type]

    @get(
        "/homework/{homework_id:str}/documents/{document_id:str}",
        summary="Download a homework's document (HTTP Range)",
    )
    async def document(
        self,
        request: AnyRequest,
        notebook_queries: NotebookQueries,
        homework_id: str,
        document_id: str,
    ) -> Stream:
        download = await notebook_queries.document(request.user, homework_id, document_id)
        return file_stream(download, request.headers.get("range"))

    @delete(
        "/homework/{homework_id:str}/documents/{document_id:str}",
        status_code=204,
        summary="Remove a document from a homework",
    )
    async def remove_document(
        self, request: AnyRequest, notebook: Notebook, homework_id: str, document_id: str
    ) -> None:
        await notebook.remove_document(request.user, homework_id, document_id)
