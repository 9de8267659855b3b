"""The notebook as it is read: a student's homework by due date (paged) or by week, with
"Fait"; a group's; one homework; a lesson; a teacher's document to download.

A student's groups (class, teaching groups) are read one query each, through the same
index and in the same order, and merged: one cursor, the (due_at, id) of the last item
answered, resumes every group's query exactly where the merged list stopped."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore, Download, content_key
from ent_kit.errors import NotFound
from ent_kit.storage import Query, Range
from ent_kit.storage.query import encode_cursor

from ent_schoollife.application.notebook_access import NotebookAccess
from ent_schoollife.application.notebook_projection import NOTEBOOK_HOMEWORK, NOTEBOOK_LESSONS
from ent_schoollife.application.notebook_views import (
    HomeworkPage,
    HomeworkView,
    LessonView,
    WeekView,
    homework_view,
    lesson_view,
    student_status,
)
from ent_schoollife.domain.people import Person
from ent_schoollife.texts import notebook as texts

WEEK_LIMIT = 999  # homework due in one week for one group: far fewer in any school


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


class NotebookQueries:
    def __init__(self, access: NotebookAccess, blobs: BlobStore) -> None:
        self._access = access
        self._blobs = blobs

    # --- a student's notebook ---------------------------------------------------------

    async def chronological(
        self,
        me: Identity,
        student_id: str | None,
        since: date | None,
        cursor: str | None,
        limit: int,
    ) -> HomeworkPage:
        """The student's homework by due date, from `since` (default today), `limit` a page."""
        student = await self._followed(me, student_id)
        groups = await self._access.roster.group_ids_of(student.user_id)
        start = datetime.combine(since or self._access.today(), time())
        docs, more = await self._merged(groups, Range(gte=start), cursor, limit)
        items = await self._with_status(docs, student.user_id)
        return HomeworkPage(items=items, next_cursor=self._cursor(docs) if more else None)

    async def week(self, me: Identity, student_id: str | None, day: date | None) -> WeekView:
        """The student's week (Monday to Sunday): lessons' contents and homework due."""
        student = await self._followed(me, student_id)
        return await self._week(student.user_id, day or self._access.today())

    async def due_this_week(self, me: Identity, student_id: str | None) -> list[HomeworkView]:
        """For the home page ("devoirs à faire"): this week's homework, each done or not."""
        student = await self._followed(me, student_id)
        monday, sunday = week_of(self._access.today())
        groups = await self._access.roster.group_ids_of(student.user_id)
        docs = await self._due_between(groups, monday, sunday)
        return await self._with_status(docs, student.user_id)

    # --- a group's notebook -----------------------------------------------------------

    async def group_chronological(
        self, me: Identity, group_id: str, since: date | None, cursor: str | None, limit: int
    ) -> HomeworkPage:
        viewer = await self._access.viewer(me)
        await self._access.roster.visible_group(viewer, group_id, self._access.today())
        start = datetime.combine(since or self._access.today(), time())
        docs, more = await self._merged([group_id], Range(gte=start), cursor, limit)
        items = [homework_view(doc) for doc in docs]
        return HomeworkPage(items=items, next_cursor=self._cursor(docs) if more else None)

    async def group_week(self, me: Identity, group_id: str, day: date | None) -> WeekView:
        viewer = await self._access.viewer(me)
        await self._access.roster.visible_group(viewer, group_id, self._access.today())
        monday, sunday = week_of(day or self._access.today())
        docs = await self._due_between([group_id], monday, sunday)
        lessons = await self._lessons_between([group_id], monday, sunday)
        homework = [homework_view(doc) for doc in docs]
        return WeekView(starts_on=monday, ends_on=sunday, lessons=lessons, homework=homework)

    # --- one thing --------------------------------------------------------------------

    async def homework(self, me: Identity, homework_id: str) -> HomeworkView:
        """One homework; to a student (or a parent), with where the student stands."""
        viewer = await self._access.viewer(me)
        doc = await self._access.readable_homework(viewer, homework_id)
        student_id = await self._student_in_group(viewer, doc["group_id"])
        if student_id is None:
            return homework_view(doc)
        (view,) = await self._with_status([doc], student_id)
        return view

    async def lesson(self, me: Identity, lesson_id: str) -> LessonView:
        viewer = await self._access.viewer(me)
        doc = await self._access.reader.get(NOTEBOOK_LESSONS, lesson_id)
        missing = NotFound("lesson_id", "lesson_not_found", texts.LESSON_NOT_FOUND)
        if doc is None:
            raise missing
        try:
            await self._access.roster.visible_group(viewer, doc["group_id"], self._access.today())
        except NotFound:
            raise missing from None
        return lesson_view(doc)

    async def document(self, me: Identity, homework_id: str, document_id: str) -> Download:
        """A teacher's document, to whoever may read the homework."""
        viewer = await self._access.viewer(me)
        doc = await self._access.readable_homework(viewer, homework_id)
        found = next((d for d in doc["documents"] if d["document_id"] == document_id), None)
        if found is None:
            raise NotFound("document_id", "document_not_found", texts.DOCUMENT_NOT_FOUND)
        return Download(
            file_name=found["file_name"],
            media_type=found["media_type"],
            size=found["size"],
            sha256=found["sha256"],
            blob_key=content_key(found["sha256"]),
            blobs=self._blobs,
        )

    # --- reading ----------------------------------------------------------------------

    async def _followed(self, me: Identity, student_id: str | None) -> Person:
        viewer = await self._access.viewer(me)
        return await self._access.roster.followed_student(viewer, student_id, self._access.today())

    async def _student_in_group(self, viewer: Person, group_id: str) -> str | None:
        """The student whose status a homework shows: the viewer, or a parent's one child
        in that group (a parent of two in the same group sees none: the child views do)."""
        members = set(await self._access.roster.students_of(group_id))
        if viewer.profile == "student":
            return viewer.user_id if viewer.user_id in members else None
        if viewer.profile == "parent":
            children = [c.user_id for c in await self._access.roster.children(viewer.user_id)]
            in_group = [c for c in children if c in members]
            return in_group[0] if len(in_group) == 1 else None
        return None

    async def _week(self, student_id: str, day: date) -> WeekView:
        monday, sunday = week_of(day)
        groups = await self._access.roster.group_ids_of(student_id)
        docs = await self._due_between(groups, monday, sunday)
        lessons = await self._lessons_between(groups, monday, sunday)
        homework = await self._with_status(docs, student_id)
        return WeekView(starts_on=monday, ends_on=sunday, lessons=lessons, homework=homework)

    async def _due_between(
        self, groups: Sequence[str], monday: date, sunday: date
    ) -> list[dict[str, Any]]:
        due = Range(
            gte=datetime.combine(monday, time()),
            lt=datetime.combine(sunday, time()) + timedelta(days=1),
        )
        docs, _ = await self._merged(groups, due, None, WEEK_LIMIT)
        return docs

    async def _lessons_between(
        self, groups: Sequence[str], monday: date, sunday: date
    ) -> list[LessonView]:
        found: list[dict[str, Any]] = []
        for group_id in groups:
            query = Query(
                where={"group_id": group_id},
                ranges={"lesson_date": Range(gte=monday, lte=sunday)},
                order_by=[("lesson_date", "asc")],
                limit=WEEK_LIMIT,
            )
            found.extend((await self._access.reader.find(NOTEBOOK_LESSONS, query)).items)
        found.sort(key=lambda d: (d["lesson_date"], d["subject"], d["id"]))
        return [lesson_view(doc) for doc in found]

    async def _merged(
        self, groups: Sequence[str], due: Range, cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """The first `limit` living homework of these groups by (due_at, id), after the
        cursor; and whether more follow."""
        pages = []
        for group_id in groups:
            # One more than the page: whether more follow is then known exactly.
            query = _due_query(group_id, due, cursor, limit + 1)
            page = await self._access.reader.find(NOTEBOOK_HOMEWORK, query)
            pages.append(page.items)
        merged = list(heapq.merge(*pages, key=lambda d: (d["due_at"], d["id"])))
        return merged[:limit], len(merged) > limit

    def _cursor(self, docs: list[dict[str, Any]]) -> str:
        return encode_cursor(_due_query("", Range(), None, 1), docs[-1])

    async def _with_status(self, docs: list[dict[str, Any]], student_id: str) -> list[HomeworkView]:
        statuses = await self._access.statuses([doc["id"] for doc in docs], student_id)
        return [
            homework_view(doc, student_status(student_id, doc["hand_in"], statuses.get(doc["id"])))
            for doc in docs
        ]


def _due_query(group_id: str, due: Range, cursor: str | None, limit: int) -> Query:
    """One group's living homework by due date; every group's query sorts alike, so one
    cursor serves them all."""
    return Query(
        where={"group_id": group_id, "alive": True},
        ranges={"due_at": due},
        order_by=[("due_at", "asc")],
        limit=limit,
        after=cursor,
    )
