"""Suite `directory`: the 200-recipient reachability check against a region of 1 M accounts.

- directory.build_1m.seconds: writing the directory's read model (`users`, `groups`,
  `rules`) of 500 schools of 2,000 accounts into a SQLite store, then creating the indexes
  the service creates at start. Not the importer: no event store, no Kafka. The events an
  import would produce are applied straight to the store by the service's own
  `DirectoryProjection`, so the documents have exactly the shape the projection writes.
- directory.build_1m.peak_disk_mb: the store's files (database + WAL) at their largest.
- directory.reachability_200.p50_ms / p99_ms: `ReachabilityService.check`, in-process
  (no HTTP), a random sender (40 % teachers, 40 % parents, 20 % vie scolaire) writing to
  200 recipients, mostly of their own school; CHECKS timed checks after WARMUP.
- directory.reachability_200.allowed_share: allowed recipients / all, to show the workload.

A school: 24 classes of 28 students, 60 teachers each teaching 6 classes (15 per class,
one main teacher per class), 23 staff, one parent per student, and a second parent for
as many students as it takes to reach 2,000 accounts (most students have two
responsables légaux), the default school and class rules, and one substitution.
"""

from __future__ import annotations

import gc
import random
import statistics
import tempfile
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
from ent_contracts.directory_api import Recipient, Verdict
from ent_directory.application.projections import GROUPS, RULES, USERS, DirectoryProjection
from ent_directory.application.reachability import ReachabilityService
from ent_directory.domain.defaults import group_rules, school_rules
from ent_directory.domain.rules import Rule
from ent_kit.repository import envelope_for
from ent_kit.storage import Storage, open_storage

from bench.report import bench, p99

SCHOOLS = 500
ACCOUNTS_PER_SCHOOL = 2_000
CLASSES = 24
STUDENTS_PER_CLASS = 28
TEACHERS = 60
CLASSES_PER_TEACHER = 6
STAFF = {"direction": 3, "vie_scolaire": 6, "secretariat": 4, "other": 10}
SCHOOLS_PER_TRANSACTION = 2  # ~2,300 documents a school: ~4,600 a transaction
CHECKS = 1_000
WARMUP = 50
RECIPIENTS = 200
UNKNOWN_IDS = 4  # per check: ids the directory does not know
OTHER_SCHOOL = 4  # per check: people of another school
SENDER_KINDS = ("teacher", "parent", "vie_scolaire")
SENDER_WEIGHTS = (0.4, 0.4, 0.2)
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


class WrongDecision(AssertionError):
    """The check answered a sanity case wrongly: its timings would mean nothing."""


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


# --- the workload ----------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    kind: str
    sender: str
    recipients: list[Recipient]


def _near(school: School, kind: str, sender: str) -> list[str]:
    """Whom this sender plausibly writes to; not all of them are reachable."""
    staff = [u for members in school.staff.values() for u in members]
    if kind == "teacher":  # their students and their parents, colleagues, staff
        students = [u for c in school.teaches[sender] for u in school.students[c]]
        return [
            *students,
            *(p for u in students for p in school.parents[u]),
            *school.teaches,
            *staff,
        ]
    if kind == "parent":  # own children, their teachers, staff, classmates and their parents
        classes = {school.class_of[u] for u in school.children[sender]}
        classmates = [u for c in classes for u in school.students[c]]
        return [
            *classmates,
            *(p for u in classmates for p in school.parents[u]),
            *(t for c in classes for t in school.teachers_of[c]),
            *staff,
        ]
    return list(school.accounts)  # vie scolaire: anyone in the school


def workload(schools: list[School], count: int, seed: int) -> list[Check]:
    """Senders by SENDER_WEIGHTS; to each, 200 distinct recipients: half from whom they
    plausibly write to, the rest anyone in their school, UNKNOWN_IDS ids nobody has and
    OTHER_SCHOOL people of another school."""
    rng = random.Random(seed)
    ids = Ids(rng)
    checks: list[Check] = []
    for kind in rng.choices(SENDER_KINDS, SENDER_WEIGHTS, k=count):
        index = rng.randrange(len(schools))
        school = schools[index]
        if kind == "teacher":
            sender = rng.choice(list(school.teaches))
        elif kind == "parent":
            sender = rng.choice(list(school.children))
        else:
            sender = rng.choice(school.staff["vie_scolaire"])
        in_school = RECIPIENTS - UNKNOWN_IDS - OTHER_SCHOOL
        near = _near(school, kind, sender)
        chosen = dict.fromkeys(rng.sample(near, min(len(near), in_school // 2)))
        while len(chosen) < in_school:
            chosen[rng.choice(school.accounts)] = None
        other = schools[(index + 1 + rng.randrange(len(schools) - 1)) % len(schools)]
        chosen |= dict.fromkeys(rng.sample(other.accounts, OTHER_SCHOOL))
        chosen |= dict.fromkeys(ids() for _ in range(UNKNOWN_IDS))
        recipients = list(chosen)
        rng.shuffle(recipients)
        checks.append(Check(kind, sender, [Recipient(user_id=u) for u in recipients]))
    return checks


# --- correctness -----------------------------------------------------------------------


async def _expect(
    service: ReachabilityService,
    day: date,
    case: str,
    sender: str,
    allowed: list[str],
    refused: dict[str, str],
) -> None:
    recipients = [Recipient(user_id=u) for u in [*allowed, *refused]]
    verdict: Verdict = await service.check(sender, recipients, day)
    got_refused = {r.user_id: r.reason for r in verdict.refused}
    if sorted(verdict.allowed) != sorted(allowed) or got_refused != refused:
        raise WrongDecision(
            f"directory bench: wrong reachability decision ({case}): expected allowed "
            f"{sorted(allowed)} refused {refused}, got allowed {sorted(verdict.allowed)} "
            f"refused {got_refused}"
        )


async def sanity(service: ReachabilityService, schools: list[School], day: date) -> None:
    """A few decisions whose answer follows from the default rules; abort if one is wrong."""
    a, b = schools[0], schools[1]
    foreign = b.students[next(iter(b.students))][0]
    unknown = "00000000-0000-4000-8000-000000000000"
    no = "not_allowed"
    teacher = next(t for t in a.teaches if t not in (a.substitute, a.replaced))
    own_class = a.teaches[teacher][0]
    pupil = a.students[own_class][0]
    other_class = next(c for c in a.students if c not in a.teaches[teacher])
    stranger = a.students[other_class][0]
    colleague = next(t for t in a.teaches if t != teacher)
    await _expect(
        service,
        day,
        "teacher → own class, colleague, staff; others refused",
        teacher,
        [pupil, a.parents[pupil][0], colleague, a.staff["secretariat"][0]],
        {stranger: no, a.parents[stranger][0]: no, foreign: no, unknown: no},
    )
    parent, child = a.parents[pupil][0], pupil
    not_their_teacher = next(t for t in a.teaches if own_class not in a.teaches[t])
    await _expect(
        service,
        day,
        "parent → own child, child's teacher, staff; others refused",
        parent,
        [child, teacher, a.staff["vie_scolaire"][0]],
        {not_their_teacher: no, a.parents[stranger][0]: no, stranger: no, foreign: no},
    )
    cpe = a.staff["vie_scolaire"][0]
    await _expect(
        service,
        day,
        "vie scolaire → anyone of their school only",
        cpe,
        [stranger, parent, teacher, a.staff["direction"][0]],
        {foreign: no, unknown: no},
    )
    taken_over = next(c for c in a.teaches[a.replaced] if c not in a.teaches[a.substitute])
    covered = a.students[taken_over][0]
    await _expect(
        service,
        day,
        "substitute → the replaced teacher's class, today",
        a.substitute,
        [covered],
        {},
    )
    await _expect(
        service,
        day + timedelta(days=60),
        "substitute → that class, after",
        a.substitute,
        [],
        {covered: no},
    )


# --- the suite -------------------------------------------------------------------------


async def measure(
    service: ReachabilityService, checks: list[Check], day: date
) -> tuple[list[float], int, int]:
    """Milliseconds of each check after WARMUP; allowed and total recipients."""
    timings: list[float] = []
    allowed = total = 0
    for i, check in enumerate(checks):
        started = time.perf_counter()
        verdict = await service.check(check.sender, check.recipients, day)
        elapsed = time.perf_counter() - started
        if i >= WARMUP:
            timings.append(elapsed * 1000)
            allowed += len(verdict.allowed)
            total += len(verdict.allowed) + len(verdict.refused)
    return timings, allowed, total


async def run() -> None:
    day = date.today()
    with tempfile.TemporaryDirectory(prefix="bench-directory-") as tmp:
        disk = DiskWatch(Path(tmp))
        started = time.perf_counter()
        storage = await open_storage(f"sqlite://{tmp}/store.db", service_name="directory")
        try:
            schools, index_seconds = await build(storage, day, disk)
            bench("directory.build_1m.seconds", time.perf_counter() - started, "s")
            bench("directory.build_1m.index_seconds", index_seconds, "s")
            bench("directory.build_1m.accounts", sum(len(s.accounts) for s in schools), "users")
            bench("directory.build_1m.peak_disk_mb", disk.peak / 2**20, "MB")
            service = ReachabilityService(storage.documents)
            await sanity(service, schools, day)
            checks = workload(schools, WARMUP + CHECKS, seed=7)
            # The bench's own index of the region must not weigh on the collector.
            gc.collect()
            gc.freeze()
            timings, allowed, total = await measure(service, checks, day)
            gc.unfreeze()
        finally:
            await storage.close()
    bench("directory.reachability_200.p50_ms", statistics.median(timings), "ms")
    bench("directory.reachability_200.p99_ms", p99(timings), "ms")
    bench("directory.reachability_200.allowed_share", allowed / total, "ratio")
