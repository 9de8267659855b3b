"""Import a school's timetable from CSV (format: `domain.timetable_rows`), by direction.

The file is read within the request (at most MAX_IMPORT_BYTES; a file that cannot be read
at all is refused at once, 400 naming `file`); the rows are then checked and applied by a
background job whose status (`timetable_imports`, one document per import) gives the
progress and every error with its line and column.

All or nothing: when any row is wrong (unknown teacher or group, bad time...), nothing is
applied and the status lists every error; the school corrects the file and imports it
again. Partial application would be worse here: the file is the school's whole imported
timetable, and its lessons that an earlier import wrote and this file no longer has are
removed. Lesson ids are deterministic (the row's values), so the same file twice writes
nothing, and lessons entered by hand are never touched."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from ent_contracts import Actor
from ent_kit.auth import Identity
from ent_kit.errors import Conflict, Forbidden, NotFound, Refused
from ent_kit.logging import get_logger
from ent_kit.storage import DocumentStore, Query, find_all

from ent_schoollife import texts as shared_texts
from ent_schoollife.application.lessons import TimetableCommands
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.timetable_csv import MAX_IMPORT_BYTES, decode_lines
from ent_schoollife.application.timetable_names import SchoolNames
from ent_schoollife.application.timetable_projection import LESSONS
from ent_schoollife.domain.lesson import Lesson
from ent_schoollife.domain.people import Person
from ent_schoollife.domain.terms import Term, default_terms
from ent_schoollife.domain.timetable import LessonPlan, checked_plan
from ent_schoollife.domain.timetable_rows import RowError, TimetableRow, parse_timetable
from ent_schoollife.texts import timetable as texts

log = get_logger("ent.schoollife.timetable_import")
IMPORTS = "timetable_imports"
NAMESPACE = uuid.UUID("5d0c3a6e-2b7f-4f0e-9a51-7c4d2e8b1f36")
MAX_ERRORS = 1000  # reported in the status; a file that wrong is wrong everywhere
STALE_S = 300.0  # a running import not heard of for this long died with its process
_COLUMN_OF = {"weekday": "jour", "end": "fin", "ends_on": "au", "room": "salle"}

Spawn = Callable[[Coroutine[Any, Any, None]], None]


class ImportStatus(msgspec.Struct, kw_only=True):
    """An import's progress: `done` of `total` steps (each row checked, each row applied,
    the removal of what the file no longer has). `state`: checking, applying, done,
    refused (errors: nothing applied), failed or interrupted (run it again)."""

    import_id: str
    state: str
    done: int = 0
    total: int = 0
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    removed: int = 0
    errors: list[RowError] = []
    message: str | None = None
    started_at: datetime
    finished_at: datetime | None = None


class TimetableImports:
    def __init__(
        self,
        documents: DocumentStore,
        commands: TimetableCommands,
        roster: Roster,
        spawn: Spawn,
        utc_now: Callable[[], datetime],
        today: Callable[[], date],
    ) -> None:
        """`utc_now` stamps the status (started, finished, last heard: UTC-aware, so that
        staleness is not shifted by a change of daylight saving time); `today` is the
        school's day, whose school year the imported lessons run through."""
        self._documents = documents
        self._commands = commands
        self._roster = roster
        self._spawn = spawn
        self._now = utc_now
        self._today = today

    async def may_import(self, identity: Identity) -> Person:
        """Direction only; asked before anything about the file is looked at."""
        viewer = await self._roster.viewer(identity)
        if not viewer.is_direction:
            raise Forbidden("", "direction_only", shared_texts.DIRECTION_ONLY)
        return viewer

    async def start(self, identity: Identity, body: AsyncIterator[bytes]) -> ImportStatus:
        viewer = await self.may_import(identity)
        await self._none_running(viewer.school_id)
        lines = await decode_lines(body, MAX_IMPORT_BYTES)
        parsed = await asyncio.to_thread(parse_timetable, lines)
        if parsed.header_error is not None:
            raise Refused("file", "invalid_import_file", parsed.header_error)
        rows = len(parsed.rows) + len({e.line for e in parsed.errors})
        status = ImportStatus(
            import_id=str(uuid.uuid4()),
            state="checking",
            total=2 * rows + 1,
            rows=rows,
            errors=list(parsed.errors),
            started_at=self._now(),
        )
        job = _Job(self._documents, self._commands, self._now, self._today, status, viewer)
        await job.save()
        self._spawn(job.run(parsed.rows))
        return status

    async def status(self, identity: Identity, import_id: str) -> ImportStatus:
        viewer = await self.may_import(identity)
        doc = await self._documents.get(IMPORTS, import_id)
        if doc is None or doc["school_id"] != viewer.school_id:
            raise NotFound("import_id", "import_not_found", texts.IMPORT_NOT_FOUND)
        status = msgspec.convert(doc["status"], ImportStatus)
        if doc["running"] and self._stale(doc):
            status.state, status.message = "interrupted", texts.IMPORT_INTERRUPTED
        return status

    async def _none_running(self, school_id: str) -> None:
        """One import of a school at a time: two would remove each other's lessons."""
        query = Query(where={"school_id": school_id, "running": True}, limit=10)
        for doc in (await self._documents.find(IMPORTS, query)).items:
            if not self._stale(doc):
                raise Conflict("file", "import_running", texts.IMPORT_RUNNING)

    def _stale(self, doc: dict[str, Any]) -> bool:
        heard = datetime.fromisoformat(doc["updated_at"])
        if heard.tzinfo is None:  # written before stamps were UTC-aware
            heard = heard.replace(tzinfo=UTC)
        return (self._now() - heard).total_seconds() > STALE_S


@dataclass
class _Resolved:
    row: TimetableRow
    lesson_id: str
    plan: LessonPlan


class _Job:
    def __init__(
        self,
        documents: DocumentStore,
        commands: TimetableCommands,
        now: Callable[[], datetime],
        today: Callable[[], date],
        status: ImportStatus,
        viewer: Person,
    ) -> None:
        self.documents, self.commands, self.now, self.today = documents, commands, now, today
        self.status = status
        self.school_id = viewer.school_id
        self.actor_id = viewer.user_id
        self._saved_at = 0

    async def save(self, force: bool = True) -> None:
        """Write the status: at each change of state, else every 50 steps."""
        if not force and self.status.done - self._saved_at < 50:
            return
        self._saved_at = self.status.done
        doc = {
            "school_id": self.school_id,
            "by": self.actor_id,
            "updated_at": self.now().isoformat(),
            "running": self.status.state in ("checking", "applying"),
            "status": msgspec.to_builtins(self.status),
        }
        async with self.documents.transaction() as tx:
            await tx.put(IMPORTS, self.status.import_id, doc)

    async def step(self, count: int = 1) -> None:
        self.status.done += count
        await self.save(force=False)

    async def run(self, rows: list[TimetableRow]) -> None:
        try:
            resolved = await self.check(rows)
            if self.status.errors:
                self.status.errors = sorted(self.status.errors, key=lambda e: e.line)[:MAX_ERRORS]
                await self.finish("refused")
                return
            self.status.state = "applying"
            await self.save()
            await self.apply(resolved)
            await self.finish("done")
        except Exception:
            log.exception("timetable import failed", import_id=self.status.import_id)
            self.status.message = texts.IMPORT_FAILED
            await self.finish("failed")

    async def finish(self, state: str) -> None:
        self.status.state = state
        self.status.finished_at = self.now()
        if state == "done":
            self.status.done = self.status.total
        await self.save()

    async def check(self, rows: list[TimetableRow]) -> list[_Resolved]:
        names = await SchoolNames.load(self.documents, self.school_id)
        year = default_terms(self.today())
        seen: dict[str, int] = {}
        resolved: list[_Resolved] = []
        for row in rows:
            errors: list[RowError] = []
            plan = _resolved_plan(row, self.school_id, names, year, errors)
            if plan is not None:
                lesson_id = _lesson_id(plan)
                if lesson_id in seen:
                    duplicate = texts.DUPLICATE_LINE.format(line=seen[lesson_id])
                    errors.append(RowError(line=row.line, column="", reason=duplicate))
                else:
                    seen[lesson_id] = row.line
                    resolved.append(_Resolved(row, lesson_id, plan))
            self.status.errors.extend(errors)
            await self.step()
        return resolved

    async def apply(self, resolved: list[_Resolved]) -> None:
        commands, import_id = self.commands, self.status.import_id
        actor = Actor(kind="user", id=self.actor_id)
        last = 0
        for item in resolved:

            def decide(lesson: Lesson, plan: LessonPlan = item.plan) -> bool:
                return bool(lesson.schedule(plan, import_id))

            position = await commands.save(item.lesson_id, decide, actor, create=True)
            last = max(last, position)
            if position:
                self.status.created += 1
            else:
                self.status.unchanged += 1
            await self.step()
        await commands.caught_up(last)
        kept = {item.lesson_id for item in resolved}
        query = Query(where={"school_id": self.school_id, "imported": True}, limit=500)
        gone = [
            doc["id"]
            async for doc in find_all(self.documents, LESSONS, query)
            if doc["id"] not in kept
        ]
        for lesson_id in gone:
            position = await commands.save(lesson_id, _remove, actor, create=False)
            last = max(last, position)
            self.status.removed += 1
        await commands.caught_up(last)


def _resolved_plan(
    row: TimetableRow, school_id: str, names: SchoolNames, year: list[Term], errors: list[RowError]
) -> LessonPlan | None:
    """The row's lesson, its teacher and group found in the school; None with `errors`."""

    def fail(column: str, reason: str) -> None:
        errors.append(RowError(line=row.line, column=column, reason=reason))

    teacher_id = names.teacher(row.teacher)
    if teacher_id is None:
        fail("enseignant", texts.UNKNOWN_TEACHER.format(value=row.teacher))
    group_id = names.group(row.group)
    if group_id is None:
        fail("groupe", texts.UNKNOWN_GROUP.format(value=row.group))
    try:
        plan = checked_plan(
            LessonPlan(
                school_id=school_id,
                group_id=group_id or "",
                subject=row.subject,
                teacher_id=teacher_id or "",
                room=row.room,
                weekday=row.weekday,
                start=row.start,
                end=row.end,
                starts_on=row.starts_on or year[0].starts_on,
                ends_on=row.ends_on or year[-1].ends_on,
            )
        )
    except Refused as refused:
        fail(_COLUMN_OF.get(refused.field, refused.field), refused.message)
        return None
    return None if errors else plan


def _lesson_id(plan: LessonPlan) -> str:
    values = [str(v) for v in vars(plan).values()]
    return str(uuid.uuid5(NAMESPACE, "|".join(values)))


def _remove(lesson: Lesson) -> None:
    lesson.remove()
