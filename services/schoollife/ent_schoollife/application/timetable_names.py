"""The teachers and groups of a school by the names a timetable file gives them: read once
per import (two indexed queries), then looked up in memory."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ent_kit.storage import DocumentReader, Query, find_all

from ent_schoollife.application.roster_projection import GROUPS, PEOPLE
from ent_schoollife.domain.timetable_rows import folded


class SchoolNames:
    def __init__(self, teachers: dict[str, set[str]], groups: dict[str, set[str]]) -> None:
        self._teachers = teachers
        self._groups = groups

    @classmethod
    async def load(cls, reader: DocumentReader, school_id: str) -> SchoolNames:
        teachers: dict[str, set[str]] = defaultdict(set)
        query = Query(where={"school_id": school_id, "profile": "teacher"}, limit=1000)
        async for doc in find_all(reader, PEOPLE, query):
            if doc.get("active", True):
                for name in _teacher_names(doc):
                    teachers[folded(name)].add(doc["id"])
        groups: dict[str, set[str]] = defaultdict(set)
        classes: dict[str, set[str]] = defaultdict(set)
        query = Query(where={"school_id": school_id}, limit=1000)
        async for doc in find_all(reader, GROUPS, query):
            groups[folded(doc.get("name", ""))].add(doc["id"])
            if doc.get("kind") == "class":
                classes[folded(doc.get("name", ""))].add(doc["id"])
        # A class and a group of the same name: the file means the class.
        return cls(teachers, {name: classes.get(name) or ids for name, ids in groups.items()})

    def teacher(self, written: str) -> str | None:
        """The one teacher the file names (id, login, "Prénom Nom", "Nom Prénom" or
        `prenom.nom`); None when unknown or when it could be several."""
        return _one(self._teachers.get(folded(written), ()))

    def group(self, written: str) -> str | None:
        return _one(self._groups.get(folded(written), ()))


def _one(ids: Iterable[str]) -> str | None:
    found = set(ids)
    return found.pop() if len(found) == 1 else None


def _teacher_names(doc: dict[str, object]) -> list[str]:
    first, last = str(doc.get("first_name", "")), str(doc.get("last_name", ""))
    names = [str(doc["id"]), f"{first} {last}", f"{last} {first}", f"{first}.{last}"]
    # The roster keeps the login once the directory's events carry it there.
    if doc.get("login"):
        names.append(str(doc["login"]))
    return [n for n in names if n.strip(" .")]
