"""The `directory` suite's region: 500 schools of 2,000 accounts (1 M), built straight into
the directory's read model by the service's own `DirectoryProjection` (see bench.directory).
With ENT_BENCH_QUICK=1, a few schools only (development runs: the figures are noise)."""

from __future__ import annotations

import os
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from ent_contracts import SYSTEM, DomainEvent
from ent_contracts.directory import (
    CommunicationRuleGranted,
    FamilyLinked,
    GroupCreated,
    GroupMembershipChanged,
    Profile,
    SubstitutionScheduled,
    UserRegistered,
)
from ent_directory.application.projections import GROUPS, RULES, USERS, DirectoryProjection
from ent_directory.domain.defaults import group_rules, school_rules
from ent_directory.domain.rules import Rule
from ent_kit.repository import envelope_for
from ent_kit.storage import Storage

QUICK = os.environ.get("ENT_BENCH_QUICK", "") not in ("", "0")
SCHOOLS = 6 if QUICK else 500
ACCOUNTS_PER_SCHOOL = 2_000
CLASSES = 24
STUDENTS_PER_CLASS = 28
TEACHERS = 60
CLASSES_PER_TEACHER = 6
STAFF = {"direction": 3, "vie_scolaire": 6, "secretariat": 4, "other": 10}
SCHOOLS_PER_TRANSACTION = 2  # ~2,300 documents a school: ~4,600 a transaction
# Mirror of `ent_directory.service.on_start`: the indexes the service creates at start.
INDEXES = (
    (USERS, ("login",)),
    (USERS, ("school_id", "first_key")),
    (USERS, ("school_id", "last_key")),
    (USERS, ("school_id", "active", "profile")),
    (RULES, ("school_id",)),
    (GROUPS, ("school_id",)),
)
FIRST_NAMES = (
    "Lucas",
    "Emma",
    "Louis",
    "Jade",
    "Gabriel",
    "Louise",
    "Léo",
    "Alice",
    "Raphaël",
    "Chloé",
    "Arthur",
    "Lina",
    "Hugo",
    "Mia",
    "Jules",
    "Léa",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
)
SUBJECTS = (
    "français",
    "mathématiques",
    "histoire-géographie",
    "anglais",
    "espagnol",
    "SVT",
    "physique-chimie",
    "technologie",
    "EPS",
    "arts plastiques",
    "musique",
)


@dataclass
class School:
    """Who is who in one synthetic school: the bench's own index, to draw workloads."""

    school_id: str
    students: dict[str, tuple[str, ...]] = field(default_factory=dict)  # class → students
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # student → parents
    children: dict[str, tuple[str, ...]] = field(default_factory=dict)  # parent → students
    class_of: dict[str, str] = field(default_factory=dict)  # student → class
    teaches: dict[str, tuple[str, ...]] = field(default_factory=dict)  # teacher → classes
    teachers_of: dict[str, tuple[str, ...]] = field(default_factory=dict)  # class → teachers
    staff: dict[str, tuple[str, ...]] = field(default_factory=dict)  # function → staff
    accounts: tuple[str, ...] = ()
    substitute: str = ""
    replaced: str = ""


class Ids:
    """Random-looking, reproducible UUIDs: keys land all over the B-tree, as real ids do."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def __call__(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


class DiskWatch:
    """Space the store's files take on disk (database, WAL, shared memory), at its largest."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.peak = 0

    def sample(self) -> int:
        used = sum(p.stat().st_blocks * 512 for p in self.directory.iterdir() if p.is_file())
        self.peak = max(self.peak, used)
        return used


# --- the region ------------------------------------------------------------------------


def _person(
    ids: Ids,
    rng: random.Random,
    school_id: str,
    n: int,
    profile: Profile,
    *,
    user_id: str | None = None,
    classes: tuple[str, ...] = (),
    function: str | None = None,
    subjects: tuple[str, ...] = (),
) -> UserRegistered:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return UserRegistered(
        user_id=user_id or ids(),
        school_id=school_id,
        profile=profile,
        login=f"{first}.{last}.{school_id[:8]}.{n}".lower(),
        first_name=first,
        last_name=last,
        classes=list(classes),
        function=function,
        subjects=list(subjects),
        external_id=f"AAF-{ids()}",
    )


def _grants(school_id: str, rules: list[Rule]) -> list[CommunicationRuleGranted]:
    return [
        CommunicationRuleGranted(
            rule_id=r.rule_id,
            school_id=school_id,
            list_kind=r.list_kind,
            sender_scope=r.sender_scope,
            sender_role=r.sender_role,
            recipient_scope=r.recipient_scope,
            recipient_role=r.recipient_role,
        )
        for r in rules
    ]


def _assign(rng: random.Random, teachers: list[str], classes: list[str]) -> dict[str, list[str]]:
    """Each teacher takes CLASSES_PER_TEACHER of the least-served classes: 15 per class."""
    load = dict.fromkeys(classes, 0)
    teaches: dict[str, list[str]] = {}
    for teacher in teachers:
        teaches[teacher] = sorted(classes, key=lambda c: (load[c], rng.random()))[
            :CLASSES_PER_TEACHER
        ]
        for c in teaches[teacher]:
            load[c] += 1
    return teaches


def school_events(rng: random.Random, ids: Ids, day: date) -> tuple[School, list[DomainEvent]]:
    """One school as an import creates it (same order as the demo seed): rules, people,
    classes with their rules and members, families, a substitution."""
    school = School(ids())
    s = school.school_id
    numbers = iter(range(10 * ACCOUNTS_PER_SCHOOL))
    names = {ids(): f"{6 - i // 8}{'ABCDEFGH'[i % 8]}" for i in range(CLASSES)}
    class_ids = list(names)
    students: list[UserRegistered] = []
    for c in class_ids:
        roster = [
            _person(ids, rng, s, next(numbers), "student", classes=(names[c],))
            for _ in range(STUDENTS_PER_CLASS)
        ]
        students += roster
        school.students[c] = tuple(u.user_id for u in roster)
        school.class_of |= dict.fromkeys(school.students[c], c)
    teacher_ids = [ids() for _ in range(TEACHERS)]
    teaches = _assign(rng, teacher_ids, class_ids)
    teachers = [
        _person(
            ids,
            rng,
            s,
            next(numbers),
            "teacher",
            user_id=t,
            classes=tuple(sorted(names[c] for c in teaches[t])),
            subjects=(SUBJECTS[i % len(SUBJECTS)],),
        )
        for i, t in enumerate(teacher_ids)
    ]
    school.teaches = {t: tuple(cs) for t, cs in teaches.items()}
    school.teachers_of = {c: tuple(t for t in teacher_ids if c in teaches[t]) for c in class_ids}
    staff = [
        _person(ids, rng, s, next(numbers), "staff", function=function)
        for function, count in STAFF.items()
        for _ in range(count)
    ]
    school.staff = {f: tuple(u.user_id for u in staff if u.function == f) for f in STAFF}
    # One parent a student, then a second parent for as many as make 2,000 accounts.
    seconds = ACCOUNTS_PER_SCHOOL - 2 * len(students) - len(teachers) - len(staff)
    second = set(rng.sample(range(len(students)), seconds))
    parents: list[UserRegistered] = []
    families: list[tuple[str, str]] = []
    for i, student in enumerate(students):
        for _ in range(1 + (i in second)):
            parents.append(_person(ids, rng, s, next(numbers), "parent"))
            families.append((parents[-1].user_id, student.user_id))
    for parent_id, student_id in families:
        school.parents[student_id] = (*school.parents.get(student_id, ()), parent_id)
        school.children[parent_id] = (*school.children.get(parent_id, ()), student_id)
    people = [*students, *teachers, *staff, *parents]
    school.accounts = tuple(u.user_id for u in people)

    events: list[DomainEvent] = [*_grants(s, school_rules(s)), *people]
    main_teachers: set[str] = set()
    for c in class_ids:
        main = next(t for t in school.teachers_of[c] if t not in main_teachers)
        main_teachers.add(main)
        events += [
            GroupCreated(group_id=c, school_id=s, kind="class", name=names[c]),
            *_grants(s, group_rules(s, c, "class")),
            GroupMembershipChanged(
                group_id=c,
                members_added=sorted(school.students[c]),
                teachers_added=sorted(school.teachers_of[c]),
                main_teacher_id=main,
            ),
        ]
    events += [FamilyLinked(parent_id=p, student_id=c) for p, c in families]
    # Today the first teacher also takes the classes of a colleague they do not teach.
    school.substitute = teacher_ids[0]
    school.replaced = next(
        t for t in teacher_ids[1:] if set(teaches[t]) - set(teaches[school.substitute])
    )
    events.append(
        SubstitutionScheduled(
            substitution_id=ids(),
            school_id=s,
            substitute_id=school.substitute,
            replaced_id=school.replaced,
            starts_on=day - timedelta(days=7),
            ends_on=day + timedelta(days=21),
        )
    )
    return school, events


async def build(storage: Storage, day: date, disk: DiskWatch) -> tuple[list[School], float]:
    """The read model of the whole region, SCHOOLS_PER_TRANSACTION schools a transaction;
    then the indexes. Returns the schools and the seconds the indexes took."""
    rng = random.Random(20_240_901)
    ids = Ids(rng)
    projection = DirectoryProjection()
    schools: list[School] = []
    for start in range(0, SCHOOLS, SCHOOLS_PER_TRANSACTION):
        events: list[DomainEvent] = []
        for _ in range(min(SCHOOLS_PER_TRANSACTION, SCHOOLS - start)):
            school, school_events_ = school_events(rng, ids, day)
            schools.append(school)
            events += school_events_
        # DirectoryProjection.apply reads only the event: one envelope stands for all.
        envelope = envelope_for(events[0], "bench", 1, SYSTEM)
        async with storage.documents.transaction() as tx:
            for event in events:
                await projection.apply(tx, envelope, event)
        disk.sample()
    started = time.perf_counter()
    for collection, fields in INDEXES:
        await storage.documents.ensure_index(collection, list(fields))
        disk.sample()
    return schools, time.perf_counter() - started
