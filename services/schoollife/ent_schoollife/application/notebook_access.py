"""Who may read or write which part of the notebook, on the roster's answers, and the
rows every notebook use case starts from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from ent_kit.auth import Identity
from ent_kit.errors import NotFound
from ent_kit.storage import DocumentReader

from ent_schoollife.application.notebook_projection import (
    NOTEBOOK_HOMEWORK,
    NOTEBOOK_STATUS,
    status_id,
)
from ent_schoollife.application.roster import Roster
from ent_schoollife.domain.people import Person
from ent_schoollife.texts import notebook as texts

Clock = Callable[[], datetime]


def homework_not_found() -> NotFound:
    return NotFound("homework_id", "homework_not_found", texts.HOMEWORK_NOT_FOUND)


class NotebookAccess:
    def __init__(
        self, reader: DocumentReader, roster: Roster, clock: Clock, utc_now: Clock
    ) -> None:
        """`clock`: the school's wall-clock time, naive (settings.now), for "which day, is
        it late"; `utc_now`: UTC-aware, for the audit stamps (written, assigned...)."""
        self.reader = reader
        self.roster = roster
        self.clock = clock
        self.utc_now = utc_now

    def today(self) -> date:
        return self.clock().date()

    async def viewer(self, identity: Identity) -> Person:
        return await self.roster.viewer(identity)

    async def homework(self, homework_id: str, withdrawn_ok: bool = False) -> dict[str, Any]:
        """A homework still given (a withdrawn one is not found, unless `withdrawn_ok`:
        its copies are kept, and read, listed and zipped as before)."""
        doc = await self.reader.get(NOTEBOOK_HOMEWORK, homework_id)
        if doc is None or not (doc["alive"] or withdrawn_ok):
            raise homework_not_found()
        return doc

    async def readable_homework(
        self, viewer: Person, homework_id: str, withdrawn_ok: bool = False
    ) -> dict[str, Any]:
        """A homework of a group the viewer may read (its members, their parents, its
        teachers, the school's staff); anyone else is told it does not exist."""
        doc = await self.homework(homework_id, withdrawn_ok)
        try:
            await self.roster.visible_group(viewer, doc["group_id"], self.today())
        except NotFound:
            raise homework_not_found() from None
        return doc

    async def oversees(self, viewer: Person, group_id: str) -> bool:
        """Sees every hand-in of the group: its teachers (a substitute during the period),
        the school's direction and vie scolaire."""
        group = await self.roster.group(group_id)
        if group is None or group.school_id != viewer.school_id:
            return False
        return viewer.sees_school or await self.roster.teaches(viewer, group_id, self.today())

    async def statuses(
        self, homework_ids: Sequence[str], student_id: str
    ) -> dict[str, dict[str, Any]]:
        """The student's status rows of these homework, by homework id (one round trip)."""
        keys = {status_id(h, student_id): h for h in homework_ids}
        found = await self.reader.get_many(NOTEBOOK_STATUS, list(keys))
        return {keys[key]: doc for key, doc in found.items()}
