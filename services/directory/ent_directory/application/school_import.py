"""Import a school from CSV: students with their class, parents linked to their children,
teachers with their classes and subjects, staff with their function.

The file's rows are read by `domain.import_rows.parse_csv` (pure; a bad row never stops the
rest). `SchoolImport.run` applies the valid rows through `DirectoryCommands` only (events,
never read-model writes). Ids are deterministic, so a re-import updates what changed,
deactivates who is missing and never duplicates anyone; the same file twice writes no new
event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from ent_contracts import Actor
from ent_contracts.directory import UserRegistered, UserUpdated
from ent_kit.errors import DomainError
from ent_kit.storage import DocumentReader, Query, find_all

from ent_directory import texts
from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.projections import GROUPS, READ_PAGE, USERS
from ent_directory.domain.import_rows import (
    ImportRow,
    ParsedImport,
    RowError,
    class_group_id,
    login_slug,
    user_id,
)


class ImportReport(msgspec.Struct, kw_only=True):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    linked: int = 0  # new parent-child links
    errors: list[RowError] = []


Progress = Callable[[int, int], None]


class SchoolImport:
    """Applies a parsed file to one school through the directory's commands.

    `refresh` brings the directory read model up to date with the event store (the
    service waits for its projector; the command-line tool drains the projection itself):
    it is called before the users of the school are read."""

    def __init__(
        self,
        commands: DirectoryCommands,
        documents: DocumentReader,
        actor: Actor,
        refresh: Callable[[], Awaitable[object]],
    ) -> None:
        self._commands = commands
        self._documents = documents
        self._actor = actor
        self._refresh = refresh

    async def run(
        self, school_id: str, parsed: ParsedImport, progress: Progress | None = None
    ) -> ImportReport:
        """Progress counts steps: one per row, per class, per parent, plus the final sweep."""
        run = _Run(self._commands, self._documents, self._actor, school_id, parsed, progress)
        await self._commands.open_school(school_id, self._actor)
        await self._refresh()
        await run.people()
        await run.classes()
        await run.families()
        await run.sweep()
        run.report.errors.sort(key=lambda e: e.line)
        return run.report


class _Run:
    """One import: its counters, and who was saved or left as they were."""

    def __init__(
        self,
        commands: DirectoryCommands,
        documents: DocumentReader,
        actor: Actor,
        school_id: str,
        parsed: ParsedImport,
        progress: Progress | None,
    ) -> None:
        self.commands, self.documents, self.actor = commands, documents, actor
        self.school_id = school_id
        self.parsed = parsed
        self.report = ImportReport(errors=list(parsed.errors))
        self.parents = [r for r in parsed.rows if r.profile == "parent"]
        self.class_names = parsed.class_names()
        self.total = len(parsed.rows) + len(self.class_names) + len(self.parents) + 1
        self.done = 0
        self._progress = progress
        self.applied: dict[str, ImportRow] = {}  # external id → row, once the person is saved
        # Users whose row is wrong this time: their current classes are kept as they are.
        self.kept = {user_id(school_id, e) for e in parsed.external_ids} - {
            user_id(school_id, r.external_id) for r in parsed.rows
        }
        self.reserved_logins = {r.login for r in parsed.rows if r.login}

    def step(self) -> None:
        self.done += 1
        if self._progress is not None:
            self._progress(self.done, self.total)

    def fail(self, row: ImportRow, reason: str) -> None:
        self.report.errors.append(RowError(row.line, reason))
        self.kept.add(user_id(self.school_id, row.external_id))

    # --- people -------------------------------------------------------------------------

    async def people(self) -> None:
        rows = self.parsed.rows
        for start in range(0, len(rows), READ_PAGE):
            batch = rows[start : start + READ_PAGE]
            existing = await self.documents.get_many(
                USERS, [user_id(self.school_id, r.external_id) for r in batch]
            )
            for row in batch:
                try:
                    await self._person(row, existing.get(user_id(self.school_id, row.external_id)))
                except DomainError as refused:
                    self.fail(row, refused.message)
                self.step()

    async def _person(self, row: ImportRow, existing: dict[str, Any] | None) -> None:
        uid = user_id(self.school_id, row.external_id)
        if existing is not None and existing["profile"] != row.profile:
            return self.fail(row, texts.PROFILE_CHANGED.format(profile=existing["profile"]))
        if existing is None:
            login = await self._login_for(row, uid)
            if login is None:
                return self.fail(row, texts.LOGIN_TAKEN.format(login=row.login))
            registration = UserRegistered(
                user_id=uid,
                school_id=self.school_id,
                login=login,
                first_name=row.first_name,
                last_name=row.last_name,
                profile=row.profile,
                classes=list(row.classes),
                function=row.function,
                subjects=list(row.subjects),
                external_id=row.external_id,
            )
            if await self.commands.register(registration, self.actor):
                self.reserved_logins.add(login)
                self.report.created += 1
                self.applied[row.external_id] = row
                return None
        details = UserUpdated(
            user_id=uid,
            first_name=row.first_name,
            last_name=row.last_name,
            classes=list(row.classes),
            function=row.function,
            subjects=list(row.subjects),
        )
        if await self.commands.update(details, self.actor):
            self.report.updated += 1
        else:
            self.report.unchanged += 1
        self.applied[row.external_id] = row
        if existing is not None and row.login and row.login != existing["login"]:
            kept = texts.LOGIN_KEPT.format(login=existing["login"])
            self.report.errors.append(RowError(row.line, kept))
        return None

    async def _login_for(self, row: ImportRow, uid: str) -> str | None:
        """The file's login if free; else `prenom.nom`, `prenom.nom2`… the first free."""
        if row.login:
            return row.login if await self._login_free(row.login, uid) else None
        base = login_slug(row.first_name, row.last_name)
        n = 1
        while True:
            login = base if n == 1 else f"{base}{n}"
            if login not in self.reserved_logins and await self._login_free(login, uid):
                return login
            n += 1

    async def _login_free(self, login: str, uid: str) -> bool:
        page = await self.documents.find(USERS, Query(where={"login": login}, limit=2))
        return all(doc["id"] == uid for doc in page.items)

    # --- classes ------------------------------------------------------------------------

    async def classes(self) -> None:
        members: dict[str, set[str]] = {name: set() for name in self.class_names}
        teachers: dict[str, set[str]] = {name: set() for name in self.class_names}
        mains: dict[str, str] = {}
        for row in self.applied.values():
            uid = user_id(self.school_id, row.external_id)
            for name in row.classes:
                (members if row.profile == "student" else teachers)[name].add(uid)
            mains.update(dict.fromkeys(row.main_of, uid))
        ids = {name: class_group_id(self.school_id, name) for name in self.class_names}
        current = await self._groups(list(ids.values()))
        for name, gid in ids.items():
            await self.commands.create_group(gid, self.school_id, "class", name, self.actor)
            await self._set_members(
                gid, current.get(gid), members[name], teachers[name], mains.get(name)
            )
            self.step()

    async def _groups(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), READ_PAGE):
            found |= await self.documents.get_many(GROUPS, ids[start : start + READ_PAGE])
        return found

    async def _set_members(
        self,
        gid: str,
        current: dict[str, Any] | None,
        members: set[str],
        teachers: set[str],
        main: str | None,
    ) -> None:
        """Exactly the file's students and teachers, plus whoever was there and whose row
        is wrong this time (left as they were)."""
        if current is not None:
            members |= set(current["members"]) & self.kept
            teachers |= set(current["teachers"]) & self.kept
            if main is None and current["main_teacher_id"] in self.kept:
                main = current["main_teacher_id"]
        await self.commands.set_membership(gid, members, teachers, self.actor, main_teacher_id=main)

    # --- families -----------------------------------------------------------------------

    async def families(self) -> None:
        for parent in self.parents:
            if parent.external_id in self.applied:
                await self._link(parent)
            self.step()

    async def _link(self, parent: ImportRow) -> None:
        parent_id = user_id(self.school_id, parent.external_id)
        for child in parent.children:
            if child not in self.applied:
                not_imported = texts.CHILD_NOT_IMPORTED.format(child=child)
                self.report.errors.append(RowError(parent.line, not_imported))
                continue
            student_id = user_id(self.school_id, child)
            try:
                position = await self.commands.link_family(parent_id, student_id, self.actor)
            except DomainError as refused:
                self.report.errors.append(RowError(parent.line, refused.message))
                continue
            self.report.linked += position > 0

    # --- who left -----------------------------------------------------------------------

    async def sweep(self) -> None:
        """Deactivate the school's active users (from an import) missing from the file, and
        empty the imported classes the file no longer has."""
        leaving: list[str] = []
        query = Query(where={"school_id": self.school_id, "active": True}, limit=READ_PAGE)
        async for doc in find_all(self.documents, USERS, query):
            external_id = doc.get("external_id")
            if external_id is not None and external_id not in self.parsed.external_ids:
                leaving.append(doc["id"])
        for uid in leaving:
            self.report.deactivated += await self.commands.deactivate(uid, self.actor)
        names = set(self.class_names)
        query = Query(where={"school_id": self.school_id, "kind": "class"}, limit=READ_PAGE)
        async for group in find_all(self.documents, GROUPS, query):
            imported = group["id"] == class_group_id(self.school_id, group["name"])
            if imported and group["name"] not in names:
                await self._set_members(group["id"], group, set(), set(), None)
        self.step()
