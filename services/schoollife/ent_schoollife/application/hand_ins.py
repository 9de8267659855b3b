"""Hand-ins ("Déposer ma copie"): a student deposits a copy (kept for good, the last one
counts, late after the due date-time) or ticks "Fait"; the student, their parents and
whoever oversees the group download a copy; the group's teachers (and the school's
direction and vie scolaire) list every student's status and take all copies as a zip."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore, Download, IncomingFile, content_key
from ent_kit.errors import Conflict, Forbidden, NotFound, TooLarge
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import Query, find_all
from ent_kit.zips import ZipMember, streamed_zip, unique_names

from ent_schoollife.application.hand_in_files import copy_download, copy_name
from ent_schoollife.application.notebook_access import Clock, NotebookAccess
from ent_schoollife.application.notebook_files import store_copy
from ent_schoollife.application.notebook_projection import (
    NOTEBOOK_COPIES,
    NOTEBOOK_STATUS,
    status_id,
)
from ent_schoollife.application.notebook_views import (
    CopyView,
    HandInList,
    HandInRow,
    HandInStatus,
    StudentStatus,
    copy_view,
    homework_view,
    student_status,
)
from ent_schoollife.application.views import person_view
from ent_schoollife.domain.hand_in import (
    MAX_COPIES,
    Copy,
    Due,
    HandIn,
    hand_in_stream,
)
from ent_schoollife.domain.notebook import Homework
from ent_schoollife.domain.people import Person
from ent_schoollife.texts import notebook as texts


class HandIns:
    def __init__(
        self,
        access: NotebookAccess,
        homework: Repository[Homework],
        hand_ins: Repository[HandIn],
        blobs: BlobStore,
        projector: LocalProjector,
    ) -> None:
        self._access = access
        self._homework = homework
        self._hand_ins = hand_ins
        self._blobs = blobs
        self._projector = projector

    def at(self, clock: Clock) -> HandIns:
        """The same hand-ins on another clock (the demo seed's copies of yesterday)."""
        access = NotebookAccess(
            self._access.reader, self._access.roster, clock, self._access.utc_now
        )
        return HandIns(access, self._homework, self._hand_ins, self._blobs, self._projector)

    # --- the student ------------------------------------------------------------------

    async def submit(
        self, me: Identity, homework_id: str, file: IncomingFile, copy_id: str | None = None
    ) -> CopyView:
        """Every check before a byte is stored; the type is read from the bytes. A copy
        id given again (a retried request) records nothing more."""
        student, doc = await self._student_of(me, homework_id)
        if not doc["hand_in"]:
            raise Conflict("homework_id", "no_hand_in", texts.NO_HAND_IN)
        status = await self._access.reader.get(
            NOTEBOOK_STATUS, status_id(homework_id, student.user_id)
        )
        if status is not None and status["copies"] >= MAX_COPIES:
            raise _too_many_copies()
        blob, media_type = await store_copy(self._blobs, file)
        copy = Copy(
            copy_id=copy_id or new_event_id(),
            sha256=blob.sha256,
            size=blob.size,
            media_type=media_type,
        )
        due = await self._due(homework_id)
        now = self._access.clock()
        saved = await self._hand_ins.update(
            hand_in_stream(homework_id, student.user_id),
            lambda h: h.submit(homework_id, student.user_id, copy, due, now),
            me.actor,
            create=True,
        )
        await self._projector.caught_up(saved.position)
        stored = await self._access.reader.get(NOTEBOOK_COPIES, copy.copy_id)
        assert stored is not None  # projected before the answer (read-your-writes)
        return copy_view(stored)

    async def mark_done(self, me: Identity, homework_id: str, done: bool) -> StudentStatus:
        student, doc = await self._student_of(me, homework_id)
        due = await self._due(homework_id)
        now = self._access.clock()
        saved = await self._hand_ins.update(
            hand_in_stream(homework_id, student.user_id),
            lambda h: h.mark_done(homework_id, student.user_id, done, due, now),
            me.actor,
            create=True,
        )
        await self._projector.caught_up(saved.position)
        status = await self._access.reader.get(
            NOTEBOOK_STATUS, status_id(homework_id, student.user_id)
        )
        return student_status(student.user_id, doc["hand_in"], status)

    async def copies(
        self, me: Identity, homework_id: str, student_id: str | None
    ) -> list[CopyView]:
        """One student's copies of a homework (withdrawn too), the last one first."""
        viewer = await self._access.viewer(me)
        doc = await self._access.readable_homework(viewer, homework_id, withdrawn_ok=True)
        student = await self._access.roster.followed_student(
            viewer, student_id, self._access.today()
        )
        if not await self._may_see_copies(viewer, student.user_id, doc["group_id"]):
            raise NotFound("student_id", "student_not_found", texts.COPY_NOT_FOUND)
        query = Query(
            where={"homework_id": homework_id, "student_id": student.user_id},
            order_by=[("submitted_at", "desc")],
            limit=MAX_COPIES,
        )
        page = await self._access.reader.find(NOTEBOOK_COPIES, query)
        return [copy_view(c) for c in page.items]

    async def download(self, me: Identity, homework_id: str, copy_id: str) -> Download:
        """One copy, to its student, their parents, and who oversees the group; to anyone
        else it does not exist."""
        viewer = await self._access.viewer(me)
        missing = NotFound("copy_id", "copy_not_found", texts.COPY_NOT_FOUND)
        copy = await self._access.reader.get(NOTEBOOK_COPIES, copy_id)
        if copy is None or copy["homework_id"] != homework_id:
            raise missing
        doc = await self._access.homework(homework_id, withdrawn_ok=True)
        if not await self._may_see_copies(viewer, copy["student_id"], doc["group_id"]):
            raise missing
        people = await self._access.roster.people([copy["student_id"]])
        return copy_download(copy, doc, people.get(copy["student_id"]), self._blobs)

    # --- the teacher ------------------------------------------------------------------

    async def hand_ins(self, me: Identity, homework_id: str) -> HandInList:
        """Every student of the group, by name: on time, late, or missing."""
        doc = await self._overseen(me, homework_id)
        students = await self._access.roster.students_of(doc["group_id"])
        people = await self._access.roster.people(students)
        keys = [status_id(homework_id, s) for s in students]
        statuses = await self._access.reader.get_many(NOTEBOOK_STATUS, keys)
        last_ids = [s["last_copy_id"] for s in statuses.values() if s["last_copy_id"]]
        last = await self._access.reader.get_many(NOTEBOOK_COPIES, last_ids)
        rows = []
        for student_id in students:
            person = people.get(student_id)
            if person is None or person.profile != "student":
                continue
            status = statuses.get(status_id(homework_id, student_id))
            copy = last.get(status["last_copy_id"]) if status and status["last_copy_id"] else None
            rows.append(
                HandInRow(
                    student=person_view(person),
                    status=_state(copy),
                    copies=status["copies"] if status else 0,
                    last_copy=copy_view(copy) if copy else None,
                )
            )
        rows.sort(key=lambda r: (_sort_name(people[r.student.user_id]), r.student.user_id))
        counts = {state: sum(1 for r in rows if r.status == state) for state in _STATES}
        return HandInList(
            homework=homework_view(doc),
            on_time=counts["on_time"],
            late=counts["late"],
            missing=counts["missing"],
            students=rows,
        )

    async def zipped(self, me: Identity, homework_id: str) -> AsyncIterator[bytes]:
        """Every copy of every student as one zip, names unique, built while it streams;
        every check is made before the first byte."""
        doc = await self._overseen(me, homework_id)
        query = Query(
            where={"homework_id": homework_id}, order_by=[("submitted_at", "asc")], limit=1000
        )
        copies = [c async for c in find_all(self._access.reader, NOTEBOOK_COPIES, query)]
        people = await self._access.roster.people(sorted({c["student_id"] for c in copies}))
        copies.sort(key=lambda c: (_sort_name(people.get(c["student_id"])), c["submitted_at"]))
        names = unique_names([copy_name(c, doc, people.get(c["student_id"])) for c in copies])
        blobs = self._blobs

        async def members() -> AsyncIterator[ZipMember]:
            for name, copy in zip(names, copies, strict=True):
                at = datetime.fromisoformat(copy["submitted_at"])
                chunks = blobs.get(content_key(copy["sha256"]))
                yield ZipMember(name, at, copy["size"], chunks)

        return streamed_zip(members())

    # --- rules ------------------------------------------------------------------------

    async def _student_of(self, me: Identity, homework_id: str) -> tuple[Person, dict[str, Any]]:
        """The caller as a student of the homework's group, and the homework."""
        viewer = await self._access.viewer(me)
        doc = await self._access.readable_homework(viewer, homework_id)
        if viewer.profile != "student":
            raise Forbidden("", "students_only", texts.STUDENTS_ONLY)
        if viewer.user_id not in await self._access.roster.students_of(doc["group_id"]):
            raise Forbidden("homework_id", "not_in_group", texts.NOT_IN_GROUP)
        return viewer, doc

    async def _overseen(self, me: Identity, homework_id: str) -> dict[str, Any]:
        """The homework (withdrawn too: its copies are kept), to one who oversees it."""
        viewer = await self._access.viewer(me)
        doc = await self._access.readable_homework(viewer, homework_id, withdrawn_ok=True)
        if not await self._access.oversees(viewer, doc["group_id"]):
            raise Forbidden("homework_id", "not_teaching", texts.NOT_TEACHING_THIS)
        return doc

    async def _may_see_copies(self, viewer: Person, student_id: str, group_id: str) -> bool:
        if viewer.user_id == student_id:
            return True
        if viewer.profile == "parent":
            return viewer.user_id in await self._access.roster.parents_of(student_id)
        return await self._access.oversees(viewer, group_id)

    async def _due(self, homework_id: str) -> Due:
        homework = await self._homework.get(homework_id)
        if homework is None:
            raise NotFound("homework_id", "homework_not_found", texts.HOMEWORK_NOT_FOUND)
        draft, place = homework.live_draft(), homework.live_place()
        return Due(
            school_id=place.school_id,
            group_id=place.group_id,
            subject=place.subject,
            due_at=draft.due_at,
            hand_in=draft.hand_in,
        )


_STATES: tuple[HandInStatus, ...] = ("on_time", "late", "missing")


def _state(last_copy: dict[str, Any] | None) -> HandInStatus:
    if last_copy is None:
        return "missing"
    return "late" if last_copy["late"] else "on_time"


def _too_many_copies() -> TooLarge:
    message = texts.TOO_MANY_COPIES.format(max_copies=MAX_COPIES)
    return TooLarge("file", "too_many_copies", message, max_copies=MAX_COPIES)


def _sort_name(person: Person | None) -> tuple[str, str]:
    if person is None:
        return ("", "")
    return (person.last_name.casefold(), person.first_name.casefold())
