"""The school-life service in-process, with a small school world in its roster, for the
school-life unit and HTTP tests (`from schoollife_fixtures import ...`).

The world (school-1 unless said): classes 6A (Léa, Hugo) and 5A (Jade, Tom), the Latin
teaching group (Hugo from 6A, Jade from 5A); M. Maths teaches 6A and 5A, Mme Français
6A, M. Latin the Latin group; M. Remplaçant replaces Mme Français from a week ago to a
week ahead; Parent Double has Léa and Hugo, Parent Simple has Jade; direction and vie
scolaire; in school-2, Zoé of 6B and her parent."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from directory_fixtures import bearer
from ent_contracts import DomainEvent
from ent_contracts.directory import (
    FamilyLinked,
    GroupCreated,
    GroupMembershipChanged,
    SubstitutionScheduled,
)
from ent_kit.auth import Identity
from ent_kit.http import create_app
from ent_kit.runtime import Runtime
from ent_kit.storage import Storage
from ent_schoollife.application.roster_projection import RosterProjection
from ent_schoollife.service import SERVICE
from ent_schoollife.settings import SchoollifeSettings
from kit_fixtures import TEST_KEYS, envelope, user_registered
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider

Client = AsyncTestClient[Any]
SCHOOL, OTHER_SCHOOL = "school-1", "school-2"
CLASS_6A, CLASS_5A, LATIN, CLASS_6B = "class-6a", "class-5a", "group-latin", "class-6b"


def _who(user_id: str, profile: str, school: str = SCHOOL) -> Identity:
    return Identity(user_id=user_id, profile=profile, school_id=school)  # type: ignore[arg-type]


LEA, HUGO = _who("student-lea", "student"), _who("student-hugo", "student")
JADE, TOM = _who("student-jade", "student"), _who("student-tom", "student")
ZOE = _who("student-zoe", "student", OTHER_SCHOOL)
PARENT_DOUBLE, PARENT_SIMPLE = _who("parent-double", "parent"), _who("parent-simple", "parent")
PARENT_ZOE = _who("parent-zoe", "parent", OTHER_SCHOOL)
MATHS, FRENCH = _who("teacher-maths", "teacher"), _who("teacher-french", "teacher")
LATIN_TEACHER, SUBSTITUTE = _who("teacher-latin", "teacher"), _who("teacher-sub", "teacher")
OTHER_TEACHER = _who("teacher-other", "teacher", OTHER_SCHOOL)
DIRECTION, VIE_SCOLAIRE = _who("staff-direction", "staff"), _who("staff-cpe", "staff")


def _registrations() -> list[DomainEvent]:
    people: list[tuple[Identity, str, str, dict[str, Any]]] = [
        (LEA, "Léa", "Martin", {}),
        (HUGO, "Hugo", "Martin", {}),
        (JADE, "Jade", "Petit", {}),
        (TOM, "Tom", "Roux", {}),
        (ZOE, "Zoé", "Blanc", {}),
        (PARENT_DOUBLE, "Claire", "Martin", {}),
        (PARENT_SIMPLE, "Paul", "Petit", {}),
        (PARENT_ZOE, "Anne", "Blanc", {}),
        (MATHS, "Marc", "Maths", {"subjects": ["Mathématiques"]}),
        (FRENCH, "Fanny", "Français", {"subjects": ["Français"]}),
        (LATIN_TEACHER, "Luc", "Latin", {"subjects": ["Latin"]}),
        (SUBSTITUTE, "Samir", "Remplaçant", {"subjects": ["Français"]}),
        (OTHER_TEACHER, "Olga", "Autre", {"subjects": ["Mathématiques"]}),
        (DIRECTION, "Claire", "Directrice", {"function": "direction"}),
        (VIE_SCOLAIRE, "Marc", "Cpe", {"function": "vie_scolaire"}),
    ]
    return [
        user_registered(
            who.user_id,
            who.school_id,
            first_name=first,
            last_name=last,
            profile=who.profile,
            **extra,
        )
        for who, first, last, extra in people
    ]


def _groups() -> list[DomainEvent]:
    def group(group_id: str, name: str, kind: str = "class", school: str = SCHOOL) -> DomainEvent:
        return GroupCreated(group_id=group_id, school_id=school, kind=kind, name=name)  # type: ignore[arg-type]

    def members(
        group_id: str, students: Sequence[Identity], teachers: Sequence[Identity]
    ) -> DomainEvent:
        return GroupMembershipChanged(
            group_id=group_id,
            members_added=[s.user_id for s in students],
            teachers_added=[t.user_id for t in teachers],
            main_teacher_id=teachers[0].user_id,
        )

    return [
        group(CLASS_6A, "6A"),
        members(CLASS_6A, [LEA, HUGO], [MATHS, FRENCH]),
        group(CLASS_5A, "5A"),
        members(CLASS_5A, [JADE, TOM], [MATHS]),
        group(LATIN, "Latin 6e-5e", "teaching"),
        members(LATIN, [HUGO, JADE], [LATIN_TEACHER]),
        group(CLASS_6B, "6B", school=OTHER_SCHOOL),
        members(CLASS_6B, [ZOE], [OTHER_TEACHER]),
    ]


def _families_and_substitution() -> list[DomainEvent]:
    today = datetime.now(UTC).date()
    links = [(PARENT_DOUBLE, LEA), (PARENT_DOUBLE, HUGO), (PARENT_SIMPLE, JADE), (PARENT_ZOE, ZOE)]
    return [
        *(FamilyLinked(parent_id=p.user_id, student_id=s.user_id) for p, s in links),
        SubstitutionScheduled(
            substitution_id="sub-1",
            school_id=SCHOOL,
            substitute_id=SUBSTITUTE.user_id,
            replaced_id=FRENCH.user_id,
            starts_on=today - timedelta(days=7),
            ends_on=today + timedelta(days=7),
        ),
    ]


def school_world() -> list[DomainEvent]:
    """The directory's events that make the world above, in a valid order."""
    return [*_registrations(), *_groups(), *_families_and_substitution()]


async def feed_roster(storage: Storage, events: Sequence[DomainEvent]) -> None:
    """Apply directory events to the roster as the broker's consumer would."""
    roster = RosterProjection()
    async with storage.documents.transaction() as tx:
        for version, event in enumerate(events, start=1):
            await roster.apply(tx, envelope(event, f"directory-{version}", version), event)


@dataclasses.dataclass
class Schoollife:
    client: Client
    runtime: Runtime

    async def get(self, who: Identity, path: str, **params: Any) -> Any:
        return await self.client.get(path, params=params, headers=bearer(who))

    async def post(self, who: Identity, path: str, body: Any = None) -> Any:
        return await self.client.post(path, json=body, headers=bearer(who))

    async def put(self, who: Identity, path: str, body: Any = None) -> Any:
        return await self.client.put(path, json=body, headers=bearer(who))

    async def delete(self, who: Identity, path: str) -> Any:
        return await self.client.delete(path, headers=bearer(who))


def settings(tmp_path: Path, **changes: Any) -> SchoollifeSettings:
    return SchoollifeSettings(
        service_name="schoollife",
        **TEST_KEYS.settings("schoollife"),
        store_url=f"sqlite://{tmp_path}/schoollife.db",
        blob_url=f"file://{tmp_path}/blobs",
        **changes,
    )


async def start(tmp_path: Path, **changes: Any) -> AsyncIterator[Schoollife]:
    runtime = Runtime(
        dataclasses.replace(SERVICE, uses_broker=False),
        settings(tmp_path, **changes),
        TracerProvider(),
    )
    async with AsyncTestClient(create_app(runtime)) as client:
        await feed_roster(runtime.storage, school_world())
        yield Schoollife(client, runtime)


@pytest.fixture
async def schoollife(tmp_path: Path) -> AsyncIterator[Schoollife]:
    async for running in start(tmp_path):
        yield running


async def in_service_loop(running: Schoollife, work: Any) -> Any:
    """Await `work()` (a command, or a demo seed calling commands) on the app's own event
    loop, as a request would: a command waiting for its projector from the test's loop
    hangs (the SQLite store and the projector live on the app's loop)."""
    import asyncio

    portal = running.client.blocking_portal
    return await asyncio.to_thread(portal.call, work)
