"""A school of GROUP_SIZE students in one class, taught by CONCURRENCY's largest number of
teachers, imported from CSV into the directory's store before the directory starts, as
`python -m ent_directory.import_csv` does (plus the school's opening: its default
communication rules, which the demo seed grants its own school)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from ent_contracts import Actor
from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.projections import USERS, DirectoryProjection
from ent_directory.application.school_import import SchoolImport
from ent_directory.domain.import_rows import class_group_id, parse_csv, user_id
from ent_kit.projections import LocalProjector
from ent_kit.signal import AppendSignal
from ent_kit.storage import open_storage

SCHOOL_ID = "bench-college"
CLASS = "3BENCH"
ACTOR = Actor(kind="system", id="bench-import")
HEADER = "profil;identifiant;nom;prenom;login;classes;matieres;fonction;enfants"


@dataclass(frozen=True)
class School:
    group_id: str  # the class: `group:<group_id>:students` is the audience
    teachers: list[str]  # user ids
    students: list[str]


def csv_text(teachers: int, students: int) -> str:
    rows = [HEADER]
    rows += [
        f"enseignant;E{n:04};Professeur;Prof{n};;{'*' if n == 1 else ''}{CLASS};Maths;;"
        for n in range(1, teachers + 1)
    ]
    rows += [f"eleve;S{n:05};Eleve;Eleve{n};;{CLASS};;;" for n in range(1, students + 1)]
    return "\n".join(rows) + "\n"


async def import_school(store: Path, teachers: int, students: int) -> School:
    """The school written to the directory's store at `store` (its read model drained)."""
    await asyncio.to_thread(store.parent.mkdir, parents=True, exist_ok=True)
    parsed = parse_csv(csv_text(teachers, students).splitlines(keepends=True))
    storage = await open_storage(f"sqlite://{store}", service_name="directory")
    try:
        await storage.documents.ensure_index(USERS, ["login"])
        await storage.documents.ensure_index(USERS, ["school_id", "active", "profile"])
        signal = AppendSignal()
        projector = LocalProjector(storage, DirectoryProjection(), signal)
        commands = DirectoryCommands(storage.events, signal)
        await commands.open_school(SCHOOL_ID, ACTOR)
        importer = SchoolImport(commands, storage.documents, ACTOR, refresh=projector.drain)
        report = await importer.run(SCHOOL_ID, parsed)
        await projector.drain()
    finally:
        await storage.close()
    assert not report.errors, report.errors
    assert report.created == teachers + students, report
    return School(
        group_id=class_group_id(SCHOOL_ID, CLASS),
        teachers=[user_id(SCHOOL_ID, f"E{n:04}") for n in range(1, teachers + 1)],
        students=[user_id(SCHOOL_ID, f"S{n:05}") for n in range(1, students + 1)],
    )
