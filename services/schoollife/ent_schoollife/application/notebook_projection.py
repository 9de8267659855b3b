"""The notebook's read models, kept from its own events: lessons' contents, homework with
their documents, copies handed in, and each student's status per homework."""

from __future__ import annotations

from typing import Any

from ent_contracts import DomainEvent, Envelope
from ent_contracts.schoollife.notebook import (
    HomeworkAssigned,
    HomeworkChanged,
    HomeworkDocumentAttached,
    HomeworkDocumentRemoved,
    HomeworkMarkedDone,
    HomeworkSubmitted,
    HomeworkWithdrawn,
    LessonContentWritten,
)
from ent_kit.storage import DocumentWriter, update_fields

NOTEBOOK_LESSONS = "notebook_lessons"  # one row per lesson written
NOTEBOOK_HOMEWORK = "notebook_homework"  # one row per homework, its documents inside
NOTEBOOK_COPIES = "notebook_copies"  # one row per copy handed in (never replaced)
NOTEBOOK_STATUS = "notebook_status"  # one row per (homework, student) who did something

NOTEBOOK_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (NOTEBOOK_LESSONS, ("group_id", "lesson_date")),
    (NOTEBOOK_HOMEWORK, ("group_id", "alive", "due_at")),
    (NOTEBOOK_COPIES, ("homework_id", "submitted_at")),
    (NOTEBOOK_COPIES, ("homework_id", "student_id", "submitted_at")),
)


def status_id(homework_id: str, student_id: str) -> str:
    return f"{homework_id}:{student_id}"


class NotebookProjection:
    name = "notebook"
    collections = (NOTEBOOK_LESSONS, NOTEBOOK_HOMEWORK, NOTEBOOK_COPIES, NOTEBOOK_STATUS)
    handles = frozenset(
        cls.event_type
        for cls in (
            LessonContentWritten,
            HomeworkAssigned,
            HomeworkChanged,
            HomeworkWithdrawn,
            HomeworkDocumentAttached,
            HomeworkDocumentRemoved,
            HomeworkSubmitted,
            HomeworkMarkedDone,
        )
    )

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case LessonContentWritten():
                await tx.put(NOTEBOOK_LESSONS, event.lesson_id, _lesson(event))
            case HomeworkAssigned():
                await tx.put(NOTEBOOK_HOMEWORK, event.homework_id, _homework(event))
            case HomeworkChanged():
                await update_fields(
                    tx,
                    NOTEBOOK_HOMEWORK,
                    event.homework_id,
                    title=event.title,
                    instructions=event.instructions,
                    due_at=event.due_at,
                    hand_in=event.hand_in,
                )
            case HomeworkWithdrawn():
                await update_fields(tx, NOTEBOOK_HOMEWORK, event.homework_id, alive=False)
            case HomeworkDocumentAttached():
                await self._attached(tx, event)
            case HomeworkDocumentRemoved():
                doc = await tx.get(NOTEBOOK_HOMEWORK, event.homework_id)
                if doc is not None:
                    kept = [d for d in doc["documents"] if d["document_id"] != event.document_id]
                    await tx.put(NOTEBOOK_HOMEWORK, event.homework_id, {**doc, "documents": kept})
            case HomeworkSubmitted():
                await self._submitted(tx, event)
            case HomeworkMarkedDone():
                key = status_id(event.homework_id, event.student_id)
                status = await tx.get(NOTEBOOK_STATUS, key) or _status(event)
                await tx.put(NOTEBOOK_STATUS, key, {**status, "marked_done": event.done})

    async def _attached(self, tx: DocumentWriter, event: HomeworkDocumentAttached) -> None:
        doc = await tx.get(NOTEBOOK_HOMEWORK, event.homework_id)
        if doc is None or any(d["document_id"] == event.document_id for d in doc["documents"]):
            return
        document = {
            "document_id": event.document_id,
            "kind": event.kind,
            "file_name": event.file_name,
            "media_type": event.media_type,
            "size": event.size,
            "sha256": event.sha256,
        }
        documents = [*doc["documents"], document]
        await tx.put(NOTEBOOK_HOMEWORK, event.homework_id, {**doc, "documents": documents})

    async def _submitted(self, tx: DocumentWriter, event: HomeworkSubmitted) -> None:
        copy = {
            "homework_id": event.homework_id,
            "student_id": event.student_id,
            "sha256": event.sha256,
            "size": event.size,
            "media_type": event.media_type,
            "submitted_at": event.submitted_at,
            "late": event.late,
        }
        if not await tx.insert(NOTEBOOK_COPIES, event.copy_id, copy):
            return  # applied already
        key = status_id(event.homework_id, event.student_id)
        status = await tx.get(NOTEBOOK_STATUS, key) or _status(event)
        await tx.put(
            NOTEBOOK_STATUS,
            key,
            {
                **status,
                "copies": status["copies"] + 1,
                "last_copy_id": event.copy_id,
                "last_submitted_at": event.submitted_at,
                "late": event.late,
            },
        )


def _lesson(event: LessonContentWritten) -> dict[str, Any]:
    return {
        "school_id": event.school_id,
        "group_id": event.group_id,
        "subject": event.subject,
        "lesson_date": event.lesson_date,
        "timetable_lesson_id": event.timetable_lesson_id,
        "content": event.content,
        "written_by": event.written_by,
        "written_at": event.written_at,
    }


def _homework(event: HomeworkAssigned) -> dict[str, Any]:
    return {
        "school_id": event.school_id,
        "group_id": event.group_id,
        "subject": event.subject,
        "lesson_id": event.lesson_id,
        "timetable_lesson_id": event.timetable_lesson_id,
        "lesson_date": event.lesson_date,
        "title": event.title,
        "instructions": event.instructions,
        "due_at": event.due_at,
        "hand_in": event.hand_in,
        "assigned_by": event.assigned_by,
        "assigned_at": event.assigned_at,
        # The group's lists page through the living ones only.
        "alive": True,
        "documents": [],
    }


def _status(event: HomeworkSubmitted | HomeworkMarkedDone) -> dict[str, Any]:
    return {
        "homework_id": event.homework_id,
        "student_id": event.student_id,
        "copies": 0,
        "last_copy_id": None,
        "last_submitted_at": None,
        "late": False,
        "marked_done": False,
    }
