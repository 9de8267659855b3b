"""The teacher's side of the notebook: write a lesson's content, give work to do, change
or withdraw it, attach documents to it. Only for a group the teacher teaches (a
substitute during the period; the direction for any group of its school)."""

from __future__ import annotations

from ent_contracts.schoollife.notebook import DocumentKind
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore, IncomingFile
from ent_kit.errors import NotFound
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository

from ent_schoollife.application.notebook_access import NotebookAccess
from ent_schoollife.application.notebook_files import store_document
from ent_schoollife.application.notebook_projection import NOTEBOOK_LESSONS
from ent_schoollife.application.notebook_views import (
    DocumentView,
    HomeworkChange,
    HomeworkRequest,
    HomeworkView,
    LessonRequest,
    LessonView,
    homework_view,
    lesson_view,
)
from ent_schoollife.domain.file_types import checked_file_name
from ent_schoollife.domain.notebook import (
    Homework,
    HomeworkDraft,
    HomeworkPlace,
    LessonDraft,
    LessonEntry,
    StoredDocument,
    due_at,
)
from ent_schoollife.domain.people import Person
from ent_schoollife.texts import notebook as texts


class Notebook:
    def __init__(
        self,
        access: NotebookAccess,
        lessons: Repository[LessonEntry],
        homework: Repository[Homework],
        blobs: BlobStore,
        projector: LocalProjector,
    ) -> None:
        self._access = access
        self._lessons = lessons
        self._homework = homework
        self._blobs = blobs
        self._projector = projector

    # --- lessons --------------------------------------------------------------------------

    async def write_lesson(
        self, me: Identity, request: LessonRequest, lesson_id: str | None = None
    ) -> LessonView:
        """A new lesson page (no id), or the one named rewritten (same group)."""
        viewer = await self._access.viewer(me)
        if lesson_id is not None:
            existing = await self._access.reader.get(NOTEBOOK_LESSONS, lesson_id)
            if existing is None:
                raise NotFound("lesson_id", "lesson_not_found", texts.LESSON_NOT_FOUND)
            await self._writable(viewer, existing["group_id"], "lesson_id")
        group = await self._access.roster.taught_group(
            viewer, request.group_id, self._access.today()
        )
        draft = LessonDraft(
            school_id=group.school_id,
            group_id=group.group_id,
            subject=request.subject,
            lesson_date=request.lesson_date,
            timetable_lesson_id=request.timetable_lesson_id,
            content=request.content,
        )
        now = self._access.utc_now()
        create = lesson_id is None
        lesson_id = lesson_id or new_event_id()
        saved = await self._lessons.update(
            lesson_id,
            lambda lesson: lesson.write(draft, viewer.user_id, now),
            me.actor,
            create=create,
        )
        await self._projector.caught_up(saved.position)
        doc = await self._access.reader.get(NOTEBOOK_LESSONS, lesson_id)
        assert doc is not None  # projected before the answer (read-your-writes)
        return lesson_view(doc)

    # --- homework -------------------------------------------------------------------------

    async def assign(
        self, me: Identity, request: HomeworkRequest, homework_id: str | None = None
    ) -> HomeworkView:
        viewer = await self._access.viewer(me)
        group = await self._access.roster.taught_group(
            viewer, request.group_id, self._access.today()
        )
        place = HomeworkPlace(
            school_id=group.school_id,
            group_id=group.group_id,
            subject=request.subject,
            lesson_id=request.lesson_id,
            timetable_lesson_id=request.timetable_lesson_id,
            lesson_date=request.lesson_date,
        )
        draft = HomeworkDraft(
            title=request.title,
            instructions=request.instructions,
            due_at=due_at(request.due_on, request.due_time),
            hand_in=request.hand_in,
        )
        now = self._access.utc_now()
        homework_id = homework_id or new_event_id()
        saved = await self._homework.update(
            homework_id,
            lambda h: h.assign(place, draft, viewer.user_id, now),
            me.actor,
            create=True,
        )
        await self._projector.caught_up(saved.position)
        return homework_view(await self._access.homework(homework_id))

    async def change(self, me: Identity, homework_id: str, change: HomeworkChange) -> HomeworkView:
        viewer = await self._access.viewer(me)
        doc = await self._access.homework(homework_id)
        await self._writable(viewer, doc["group_id"], "homework_id")
        draft = HomeworkDraft(
            title=change.title,
            instructions=change.instructions,
            due_at=due_at(change.due_on, change.due_time),
            hand_in=change.hand_in,
        )
        now = self._access.utc_now()
        saved = await self._homework.update(
            homework_id, lambda h: h.change(draft, viewer.user_id, now), me.actor
        )
        await self._projector.caught_up(saved.position)
        return homework_view(await self._access.homework(homework_id))

    async def withdraw(self, me: Identity, homework_id: str) -> None:
        viewer = await self._access.viewer(me)
        doc = await self._access.homework(homework_id)
        await self._writable(viewer, doc["group_id"], "homework_id")
        now = self._access.utc_now()
        saved = await self._homework.update(
            homework_id, lambda h: h.withdraw(viewer.user_id, now), me.actor
        )
        await self._projector.caught_up(saved.position)

    async def attach(
        self, me: Identity, homework_id: str, kind: DocumentKind, file: IncomingFile
    ) -> DocumentView:
        """The checks first (who, which homework, room left, the name), then the bytes."""
        viewer = await self._access.viewer(me)
        doc = await self._access.homework(homework_id)
        await self._writable(viewer, doc["group_id"], "homework_id")
        homework = await self._homework.get(homework_id)
        if homework is None:
            raise NotFound("homework_id", "homework_not_found", texts.HOMEWORK_NOT_FOUND)
        homework.check_room_for_a_document()
        name = checked_file_name(file.file_name)
        blob = await store_document(self._blobs, file)
        document = StoredDocument(
            document_id=new_event_id(),
            kind=kind,
            file_name=name,
            media_type=file.media_type,
            size=blob.size,
            sha256=blob.sha256,
        )
        now = self._access.utc_now()
        saved = await self._homework.update(
            homework_id, lambda h: h.attach(document, now), me.actor
        )
        await self._projector.caught_up(saved.position)
        return DocumentView(
            document_id=document.document_id,
            kind=document.kind,
            file_name=name,
            media_type=document.media_type,
            size=blob.size,
        )

    async def remove_document(self, me: Identity, homework_id: str, document_id: str) -> None:
        viewer = await self._access.viewer(me)
        doc = await self._access.homework(homework_id)
        await self._writable(viewer, doc["group_id"], "homework_id")
        now = self._access.utc_now()
        saved = await self._homework.update(
            homework_id, lambda h: h.remove_document(document_id, now), me.actor
        )
        await self._projector.caught_up(saved.position)

    async def _writable(self, viewer: Person, group_id: str, field: str) -> None:
        """Something already written: unknown to who may not read its group (404 naming
        `field`), forbidden to who reads but does not teach it (403)."""
        try:
            await self._access.roster.visible_group(viewer, group_id, self._access.today())
        except NotFound:
            reason = "lesson_not_found" if field == "lesson_id" else "homework_not_found"
            message = texts.LESSON_NOT_FOUND if field == "lesson_id" else texts.HOMEWORK_NOT_FOUND
            raise NotFound(field, reason, message) from None
        await self._access.roster.taught_group(viewer, group_id, self._access.today())
