"""Timetable commands: schedule a weekly lesson, change one occurrence, remove a lesson.

Who writes (decided here, documented in the README):
- direction: any lesson of any group of its school;
- a teacher: lessons of the groups they teach in their own right (not through a
  replacement), with themselves as the teacher; the changes (cancel, move, room,
  replacement, restore) and the removal of their own lessons; the changes (never the
  removal, nor a new lesson) of the lessons of a teacher they replace, while the
  replacement runs and for occurrences (and moves) inside it;
- nobody else (vie scolaire reads the school's timetable but does not write it)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from ent_contracts import Actor
from ent_kit.auth import Identity
from ent_kit.errors import Forbidden, NotFound, Refused
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader

from ent_schoollife import texts as shared_texts
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.timetable_projection import stored_lesson
from ent_schoollife.application.timetable_views import (
    LessonRequest,
    LessonView,
    MoveRequest,
    lesson_view,
)
from ent_schoollife.domain.lesson import Lesson
from ent_schoollife.domain.people import Person
from ent_schoollife.domain.timetable import LessonPlan, default_end
from ent_schoollife.texts import timetable as texts

Decision = Callable[[Lesson], object]


class TimetableCommands:
    def __init__(
        self,
        lessons: Repository[Lesson],
        reader: DocumentReader,
        projector: LocalProjector,
        roster: Roster,
        today: Callable[[], date],
    ) -> None:
        self._lessons = lessons
        self._reader = reader
        self._projector = projector
        self._roster = roster
        self._today = today

    # --- by people ----------------------------------------------------------------------

    async def schedule(self, identity: Identity, request: LessonRequest) -> LessonView:
        viewer = await self._roster.viewer(identity)
        today = self._today()
        group = await self._roster.taught_group(viewer, request.group_id, today)
        if not viewer.is_direction and viewer.user_id not in group.teacher_ids:
            # A substitute changes the replaced teacher's occurrences during the period;
            # a new weekly lesson (to the end of the year) is not theirs to add.
            raise Forbidden("group_id", "not_teaching", shared_texts.NOT_TEACHING)
        teacher_id = request.teacher_id
        if teacher_id is None and viewer.profile == "teacher":
            teacher_id = viewer.user_id
        if teacher_id is None:
            raise Refused("teacher_id", "teacher_required", texts.TEACHER_REQUIRED)
        if not viewer.is_direction and teacher_id != viewer.user_id:
            raise Forbidden("teacher_id", "own_lessons_only", texts.OWN_LESSONS_ONLY)
        teacher = await self.school_teacher(group.school_id, teacher_id)
        starts_on = request.starts_on or today
        plan = LessonPlan(
            school_id=group.school_id,
            group_id=group.group_id,
            subject=request.subject,
            teacher_id=teacher_id,
            room=request.room,
            weekday=request.weekday,
            start=request.start,
            end=request.end,
            starts_on=starts_on,
            ends_on=request.ends_on or default_end(starts_on),
        )
        lesson_id = str(uuid.uuid4())
        await self.write(lesson_id, lambda lesson: lesson.schedule(plan), identity.actor, True)
        saved = await stored_lesson(self._reader, lesson_id)
        assert saved is not None  # the projector has caught up
        return lesson_view(lesson_id, saved[1], group, teacher, None)

    async def cancel(self, identity: Identity, lesson_id: str, day: date, reason: str) -> None:
        await self._may_change(identity, lesson_id, day)
        await self.write(lesson_id, lambda lesson: lesson.cancel(day, reason), identity.actor)

    async def move(
        self, identity: Identity, lesson_id: str, day: date, request: MoveRequest
    ) -> None:
        await self._may_change(identity, lesson_id, day, request.date)

        def decide(lesson: Lesson) -> None:
            lesson.move(day, request.date, request.start, request.end)

        await self.write(lesson_id, decide, identity.actor)

    async def change_room(self, identity: Identity, lesson_id: str, day: date, room: str) -> None:
        await self._may_change(identity, lesson_id, day)
        await self.write(lesson_id, lambda lesson: lesson.change_room(day, room), identity.actor)

    async def replace_teacher(
        self, identity: Identity, lesson_id: str, day: date, teacher_id: str
    ) -> None:
        plan = await self._may_change(identity, lesson_id, day)
        await self.school_teacher(plan.school_id, teacher_id)

        def decide(lesson: Lesson) -> None:
            lesson.replace_teacher(day, teacher_id)

        await self.write(lesson_id, decide, identity.actor)

    async def restore(self, identity: Identity, lesson_id: str, day: date) -> None:
        await self._may_change(identity, lesson_id, day)
        await self.write(lesson_id, lambda lesson: lesson.restore(day), identity.actor)

    async def remove(self, identity: Identity, lesson_id: str) -> None:
        # The whole weekly lesson: its own teacher or the direction, never a substitute.
        await self._may_change(identity, lesson_id, self._today(), own_only=True)
        await self.write(lesson_id, lambda lesson: lesson.remove(), identity.actor)

    # --- trusted (the import, the demo seed): the caller has checked who acts -----------

    async def write(
        self, lesson_id: str, decide: Decision, actor: Actor, create: bool = False
    ) -> int:
        """Decide on the lesson and wait for the read model; the log position."""
        saved = await self._lessons.update(lesson_id, decide, actor, create=create)
        await self._projector.caught_up(saved.position)
        return saved.position

    async def save(self, lesson_id: str, decide: Decision, actor: Actor, create: bool) -> int:
        """Decide and save without waiting for the read model (many lessons in a row)."""
        return (await self._lessons.update(lesson_id, decide, actor, create=create)).position

    async def caught_up(self, position: int, timeout: float = 60.0) -> None:
        await self._projector.caught_up(position, timeout=timeout)

    async def school_teacher(self, school_id: str, teacher_id: str) -> Person:
        person = await self._roster.person(teacher_id)
        if (
            person is None
            or person.profile != "teacher"
            or person.school_id != school_id
            or not person.active
        ):
            raise Refused("teacher_id", "not_a_teacher", texts.NOT_A_TEACHER)
        return person

    # --- who may change a lesson --------------------------------------------------------

    async def _may_change(
        self,
        identity: Identity,
        lesson_id: str,
        *days: date,
        own_only: bool = False,
    ) -> LessonPlan:
        """Direction of the lesson's school; its teacher while they teach its group; whoever
        replaces that teacher, while the replacement runs (today) and for dates inside it
        only (`days`: the occurrence's, and where a move takes it). `own_only`: not the
        substitute. Unknown or another school's lesson: 404."""
        viewer = await self._roster.viewer(identity)
        found = await stored_lesson(self._reader, lesson_id)
        if found is None or found[1].school_id != viewer.school_id:
            raise NotFound("lesson_id", "lesson_not_found", texts.LESSON_NOT_FOUND)
        plan = found[1]
        if viewer.is_direction:
            return plan
        today = self._today()
        await self._roster.taught_group(viewer, plan.group_id, today)
        if plan.teacher_id == viewer.user_id:
            return plan
        if not own_only:
            for substitution in await self._roster.substitutions_by(viewer.user_id):
                if substitution.replaced_id == plan.teacher_id and all(
                    substitution.covers(day) for day in (today, *days)
                ):
                    return plan
        raise Forbidden("lesson_id", "not_your_lesson", texts.NOT_YOUR_LESSON)
