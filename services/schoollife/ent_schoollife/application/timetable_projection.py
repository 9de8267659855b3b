"""The timetable's read models, kept from the lessons' events.

A week view must answer in one read: each occurrence is materialised in the week it falls
in, once per group (`timetable_group_weeks`, id `<group_id>:<monday>`) and once per
teacher whose week shows it (`timetable_teacher_weeks`, id `<teacher_id>:<monday>`: the
planned teacher, and the replacing one). A student's week is then one `get_many` of their
groups' documents. `timetable_lessons` keeps each lesson's plan and changes, which the
projection needs to place an occurrence again when one of its changes comes or goes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import msgspec
from ent_contracts import DomainEvent, Envelope
from ent_contracts.schoollife.timetable import (
    LessonCancelled,
    LessonMoved,
    LessonOccurrenceRestored,
    LessonRemoved,
    LessonRoomChanged,
    LessonScheduled,
    LessonTeacherReplaced,
)
from ent_kit.storage import DocumentReader, DocumentWriter

from ent_schoollife.domain.lesson import apply_change, plan_of
from ent_schoollife.domain.timetable import Change, LessonPlan, Occurrence, monday, occurrence

LESSONS = "timetable_lessons"
GROUP_WEEKS = "timetable_group_weeks"
TEACHER_WEEKS = "timetable_teacher_weeks"

TIMETABLE_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # The import's sweep: the lessons an earlier import of the school wrote.
    (LESSONS, ("school_id", "imported")),
)


def week_id(owner_id: str, week: date) -> str:
    return f"{owner_id}:{monday(week).isoformat()}"


def entry_key(found: Occurrence) -> str:
    return f"{found.lesson_id}:{found.planned.isoformat()}"


class TimetableProjection:
    name = "timetable"
    collections = (LESSONS, GROUP_WEEKS, TEACHER_WEEKS)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case LessonScheduled():
                await self._scheduled(tx, event)
            case LessonRemoved():
                lesson = await stored_lesson(tx, event.lesson_id)
                if lesson is not None:
                    await _place(tx, removed=all_occurrences(*lesson), added=[])
                    await tx.delete(LESSONS, event.lesson_id)
            case (
                LessonCancelled()
                | LessonMoved()
                | LessonRoomChanged()
                | LessonTeacherReplaced()
                | LessonOccurrenceRestored()
            ):
                await self._changed(tx, event)

    async def _scheduled(self, tx: DocumentWriter, event: LessonScheduled) -> None:
        plan = plan_of(event)
        doc = {
            **msgspec.to_builtins(plan),
            "import_id": event.import_id,
            "imported": event.import_id is not None,
            "changes": {},
        }
        await tx.put(LESSONS, event.lesson_id, doc)
        await _place(tx, removed=[], added=all_occurrences(event.lesson_id, plan, {}))

    async def _changed(self, tx: DocumentWriter, event: Any) -> None:
        lesson = await stored_lesson(tx, event.lesson_id)
        if lesson is None:
            return
        lesson_id, plan, changes = lesson
        day: date = event.date
        before = occurrence(lesson_id, plan, day, changes.get(day, Change()))
        changes = apply_change(changes, event)
        after = occurrence(lesson_id, plan, day, changes.get(day, Change()))
        doc = await tx.get(LESSONS, lesson_id) or {}
        stored = {d.isoformat(): msgspec.to_builtins(c) for d, c in changes.items()}
        await tx.put(LESSONS, lesson_id, {**doc, "changes": stored})
        await _place(tx, removed=[before], added=[after])


async def stored_lesson(
    reader: DocumentReader, lesson_id: str
) -> tuple[str, LessonPlan, dict[date, Change]] | None:
    doc = await reader.get(LESSONS, lesson_id)
    if doc is None:
        return None
    plan = msgspec.convert({k: doc[k] for k in _PLAN_FIELDS}, LessonPlan)
    changes = {
        date.fromisoformat(day): msgspec.convert(change, Change)
        for day, change in doc["changes"].items()
    }
    return lesson_id, plan, changes


_PLAN_FIELDS = tuple(LessonPlan.__dataclass_fields__)


def all_occurrences(
    lesson_id: str, plan: LessonPlan, changes: dict[date, Change]
) -> list[Occurrence]:
    return [occurrence(lesson_id, plan, d, changes.get(d, Change())) for d in plan.dates()]


def _homes(found: Occurrence) -> list[tuple[str, str, str]]:
    """The week documents that show an occurrence: (collection, id, owner)."""
    homes = [(GROUP_WEEKS, week_id(found.group_id, found.date), found.group_id)]
    for teacher_id in found.teachers:
        homes.append((TEACHER_WEEKS, week_id(teacher_id, found.date), teacher_id))
    return homes


async def _place(tx: DocumentWriter, removed: list[Occurrence], added: list[Occurrence]) -> None:
    """Take `removed` out of the week documents that showed them and put `added` in theirs,
    reading and writing each document once."""
    edits: dict[tuple[str, str], list[tuple[str, dict[str, Any] | None]]] = defaultdict(list)
    owners: dict[tuple[str, str], str] = {}
    for found, value in [*((r, None) for r in removed), *((a, _entry(a)) for a in added)]:
        for collection, doc_id, owner in _homes(found):
            edits[(collection, doc_id)].append((entry_key(found), value))
            owners[(collection, doc_id)] = owner
    for collection in (GROUP_WEEKS, TEACHER_WEEKS):
        ids = [doc_id for c, doc_id in edits if c == collection]
        current = await tx.get_many(collection, ids) if ids else {}
        for doc_id in ids:
            key = (collection, doc_id)
            doc = current.get(doc_id) or {
                "owner_id": owners[key],
                "monday": doc_id.rsplit(":", 1)[1],
                "entries": {},
            }
            entries = dict(doc["entries"])
            for entry, value in edits[key]:
                if value is None:
                    entries.pop(entry, None)
                else:
                    entries[entry] = value
            if entries:
                await tx.put(collection, doc_id, {**doc, "entries": entries})
            elif doc_id in current:
                await tx.delete(collection, doc_id)


def _entry(found: Occurrence) -> dict[str, Any]:
    entry: dict[str, Any] = msgspec.to_builtins(found)
    return entry
