"""Reads the roster (the directory's events, projected here) and answers who may see or
act on whom: every endpoint asks it before reading or writing anything."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import date
from typing import Any, TypeVar

from ent_kit.auth import Identity
from ent_kit.errors import Forbidden, NotFound
from ent_kit.storage import DocumentReader, Query, find_all

from ent_schoollife import texts
from ent_schoollife.application.roster_projection import (
    FAMILIES,
    GROUPS,
    MEMBERS,
    MEMBERSHIP_VERSIONS,
    PEOPLE,
    SUBSTITUTIONS,
    TEACHING,
)
from ent_schoollife.domain.people import Group, Person, Substitution, teaches

T = TypeVar("T")


class Roster:
    def __init__(self, reader: DocumentReader, *, remembers: bool = False) -> None:
        """`remembers`: each person, link and substitution read once, for a roster that
        serves one request asking the same again and again (the home page's blocks each
        check who the viewer is and whom they follow). Never for one that outlives it."""
        self._reader = reader
        self._read: dict[Hashable, Any] | None = {} if remembers else None

    async def _once(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        if self._read is None:
            return await read()
        if key not in self._read:
            self._read[key] = await read()
        found: T = self._read[key]
        return found

    # --- facts ------------------------------------------------------------------------
    async def person(self, user_id: str) -> Person | None:
        return await self._once(("person", user_id), lambda: self._person(user_id))

    async def _person(self, user_id: str) -> Person | None:
        doc = await self._reader.get(PEOPLE, user_id)
        return None if doc is None else _person(user_id, doc)

    async def people(self, user_ids: Sequence[str]) -> dict[str, Person]:
        docs = await self._reader.get_many(PEOPLE, list(user_ids))
        return {user_id: _person(user_id, doc) for user_id, doc in docs.items()}

    async def group(self, group_id: str) -> Group | None:
        doc = await self._reader.get(GROUPS, group_id)
        if doc is None or "school_id" not in doc:
            return None
        teachers = await self._ids(TEACHING, "group_id", group_id, "teacher_id")
        return _group(group_id, doc, teachers)

    async def classes_of_school(self, school_id: str) -> list[Group]:
        """The school's classes, by name (the index (school_id, kind, name))."""
        return await self.groups_of_school(school_id, "class")

    async def groups_of_school(self, school_id: str, kind: str) -> list[Group]:
        """The school's groups of one kind ("class", "teaching"), by name, with their
        teachers: what the demo seeds walk through."""
        query = Query(
            where={"school_id": school_id, "kind": kind}, order_by=[("name", "asc")], limit=500
        )
        docs = [doc async for doc in find_all(self._reader, GROUPS, query)]
        teachers = await asyncio.gather(
            *(self._ids(TEACHING, "group_id", doc["id"], "teacher_id") for doc in docs)
        )
        return [_group(doc["id"], doc, ids) for doc, ids in zip(docs, teachers, strict=True)]

    async def groups(self, group_ids: Sequence[str]) -> list[Group]:
        """In the order asked, those that exist: one read of the groups, their teachers
        read side by side."""
        docs = await self._reader.get_many(GROUPS, list(group_ids))
        known = [g for g in group_ids if g in docs and "school_id" in docs[g]]
        teachers = await asyncio.gather(
            *(self._ids(TEACHING, "group_id", g, "teacher_id") for g in known)
        )
        return [_group(g, docs[g], t) for g, t in zip(known, teachers, strict=True)]

    async def membership_version(self, school_id: str) -> str | None:
        """The last change to who is in which group of the school (None: none known)."""
        doc = await self._reader.get(MEMBERSHIP_VERSIONS, school_id)
        return None if doc is None else str(doc["changed_by"])

    async def groups_of_students(self, student_ids: Sequence[str]) -> list[str]:
        """Every group any of these students is in (one read per student, side by side)."""
        found = await asyncio.gather(*(self.group_ids_of(s) for s in student_ids))
        return sorted({group_id for ids in found for group_id in ids})

    async def classes_among(self, group_ids: Sequence[str]) -> list[str]:
        """Which of these groups are classes, in one read (their teachers left unread)."""
        docs = await self._reader.get_many(GROUPS, list(group_ids))
        return sorted(group_id for group_id, doc in docs.items() if doc.get("kind") == "class")

    async def children(self, parent_id: str) -> list[Person]:
        ids = await self._ids(FAMILIES, "parent_id", parent_id, "student_id")
        found = await self.people(ids)
        return sorted(found.values(), key=lambda p: (p.first_name, p.last_name, p.user_id))

    async def parents_of(self, student_id: str) -> list[str]:
        return await self._ids(FAMILIES, "student_id", student_id, "parent_id")

    async def students_of(self, group_id: str) -> list[str]:
        return sorted(await self._ids(MEMBERS, "group_id", group_id, "member_id"))

    async def group_ids_of(self, student_id: str) -> list[str]:
        return sorted(await self._ids(MEMBERS, "member_id", student_id, "group_id"))

    async def groups_of(self, student_id: str) -> list[Group]:
        return await self.groups(await self.group_ids_of(student_id))

    async def classes_of(self, student_id: str) -> list[Group]:
        return [g for g in await self.groups_of(student_id) if g.is_class]

    async def substitutions_by(self, substitute_id: str) -> list[Substitution]:
        return await self._substitutions("substitute_id", substitute_id)

    async def substitutions_in(self, school_id: str) -> list[Substitution]:
        """Who replaces whom, and when, in the school (a handful: one read)."""
        return await self._substitutions("school_id", school_id)

    async def groups_taught(self, teacher_id: str, on: date) -> list[Group]:
        """Their own groups, and those of the teachers they replace on that day."""
        found = await self.groups(await self.group_ids_taught(teacher_id, on))
        return sorted(found, key=lambda g: (g.name, g.group_id))

    async def group_ids_taught(self, teacher_id: str, on: date) -> list[str]:
        """The ids of `groups_taught`, without reading the groups themselves."""
        own = set(await self._ids(TEACHING, "teacher_id", teacher_id, "group_id"))
        for substitution in await self.substitutions_by(teacher_id):
            if substitution.covers(on):
                replaced = substitution.replaced_id
                own |= set(await self._ids(TEACHING, "teacher_id", replaced, "group_id"))
        return sorted(own)

    # --- decisions --------------------------------------------------------------------
    async def viewer(self, identity: Identity) -> Person:
        """The caller as the roster knows them; unknown (not projected yet) is refused."""
        person = await self.person(identity.user_id)
        if person is None or not person.active:
            raise Forbidden("", "unknown_viewer", texts.UNKNOWN_VIEWER)
        return person

    async def teaches(self, viewer: Person, group_id: str, on: date) -> bool:
        group = await self.group(group_id)
        if group is None or viewer.profile != "teacher":
            return False
        return teaches(viewer.user_id, group, await self.substitutions_by(viewer.user_id), on)

    async def taught_group(self, viewer: Person, group_id: str, on: date) -> Group:
        """A group the viewer may write for (lessons, homework, grades): their own, or the
        school's for direction. Unknown or another school's: 404; not theirs: 403."""
        group = await self.group(group_id)
        if group is None or group.school_id != viewer.school_id:
            raise NotFound("group_id", "group_not_found", texts.GROUP_NOT_FOUND)
        if viewer.is_direction:
            return group
        if not await self.teaches(viewer, group_id, on):
            raise Forbidden("group_id", "not_teaching", texts.NOT_TEACHING)
        return group

    async def visible_group(self, viewer: Person, group_id: str, on: date) -> Group:
        """A group whose timetable, notebook or agenda the viewer may read: staff of its
        school, its teachers, its members, and their parents (whatever their own school:
        a family may span schools, the link decides, as in `visible_student`)."""
        group = await self.group(group_id)
        missing = NotFound("group_id", "group_not_found", texts.GROUP_NOT_FOUND)
        if group is None:
            raise missing
        if viewer.profile == "parent":
            members = set(await self.students_of(group_id))
            children = await self._ids(FAMILIES, "parent_id", viewer.user_id, "student_id")
            if members & set(children):
                return group
            raise missing
        if group.school_id != viewer.school_id:
            raise missing
        if viewer.sees_school or await self.teaches(viewer, group_id, on):
            return group
        if viewer.user_id in await self.students_of(group_id):
            return group
        raise missing

    async def visible_student(self, viewer: Person, student_id: str, on: date) -> Person:
        """A student the viewer may follow: themselves, a parent's child, a student of a
        group the teacher teaches, any student of the school for its staff. Anyone else
        answers 404, as an unknown id does."""
        student = await self.person(student_id)
        if student is None or student.profile != "student":
            raise NotFound("student_id", "student_not_found", texts.STUDENT_NOT_FOUND)
        if await self._may_follow(viewer, student, on):
            return student
        raise NotFound("student_id", "student_not_found", texts.STUDENT_NOT_FOUND)

    async def followed_student(self, viewer: Person, student_id: str | None, on: date) -> Person:
        """The student a consultation is about: a student themselves; a parent's child
        (`student_id` may be left out when they have one child: the child switch); for
        teachers and staff `student_id` is required."""
        if student_id is None:
            if viewer.profile == "student":
                return viewer
            if viewer.profile == "parent":
                children = await self.children(viewer.user_id)
                if len(children) == 1:
                    return children[0]
            raise NotFound("student_id", "student_required", texts.CHOOSE_CHILD)
        return await self.visible_student(viewer, student_id, on)

    async def _may_follow(self, viewer: Person, student: Person, on: date) -> bool:
        if viewer.user_id == student.user_id:
            return True
        if viewer.school_id != student.school_id and viewer.profile != "parent":
            return False
        if viewer.sees_school:
            return True
        if viewer.profile == "parent":  # a family may span schools: the link decides
            return viewer.user_id in await self.parents_of(student.user_id)
        if viewer.profile == "teacher":
            taught = set(await self.group_ids_taught(viewer.user_id, on))
            return bool(taught & set(await self.group_ids_of(student.user_id)))
        return False

    async def _substitutions(self, key: str, value: str) -> list[Substitution]:
        async def read() -> tuple[Substitution, ...]:
            query = Query(where={key: value}, limit=1000)
            found = find_all(self._reader, SUBSTITUTIONS, query)
            return tuple([_substitution(doc) async for doc in found])

        return list(await self._once((SUBSTITUTIONS, key, value), read))

    async def _ids(self, collection: str, key: str, value: str, field: str) -> list[str]:
        async def read() -> tuple[str, ...]:
            query = Query(where={key: value}, limit=1000)
            return tuple([doc[field] async for doc in find_all(self._reader, collection, query)])

        # A list of its own for each caller: what one does to it, the next does not see.
        return list(await self._once((collection, key, value, field), read))


def _person(user_id: str, doc: dict[str, Any]) -> Person:
    return Person(
        user_id=user_id,
        school_id=doc.get("school_id", ""),
        profile=doc.get("profile", ""),
        display_name=doc.get("display_name", ""),
        first_name=doc.get("first_name", ""),
        last_name=doc.get("last_name", ""),
        function=doc.get("function"),
        subjects=tuple(doc.get("subjects") or ()),
        active=doc.get("active", True),
    )


def _group(group_id: str, doc: dict[str, Any], teachers: list[str]) -> Group:
    return Group(
        group_id=group_id,
        school_id=doc["school_id"],
        kind=doc.get("kind", ""),
        name=doc.get("name", ""),
        teacher_ids=frozenset(teachers),
        main_teacher_id=doc.get("main_teacher_id"),
    )


def _substitution(doc: dict[str, Any]) -> Substitution:
    return Substitution(
        substitute_id=doc["substitute_id"],
        replaced_id=doc["replaced_id"],
        starts_on=date.fromisoformat(doc["starts_on"]),
        ends_on=date.fromisoformat(doc["ends_on"]),
    )
