"""Suite `schoollife`, its grades: a class of CLASS_SIZE students with GRADES_PER_STUDENT
published grades each in the current term (SUBJECTS subjects, a few Abs/Disp, optional
and bonus evaluations), served in-process on SQLite and called over ASGI with a
student's (or the main teacher's) bearer token, as the gateway forwards it.

- `grades_by_subject`: a student's grades of the term by subject, with each evaluation's
  class average, min and max, subject and overall averages, and the class's;
- `class_averages_30`: the class's averages of the term (each student, each subject).

Floor of both: the same rows read by a bare indexed SQLite query (the same partial index
the service uses), decoded, and averaged by the same pure functions
(`domain.averages.class_term_averages`): what any implementation must at least do."""

from __future__ import annotations

import dataclasses
import os
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
from ent_contracts import SYSTEM, DomainEvent
from ent_contracts.directory import (
    GroupCreated,
    GroupMembershipChanged,
    Profile,
    UserRegistered,
)
from ent_contracts.schoollife.grades import GradeEntry
from ent_kit.auth import Identity
from ent_kit.dev_keys import DevKeys
from ent_kit.http import create_app
from ent_kit.repository import Repository, envelope_for
from ent_kit.runtime import Runtime
from ent_schoollife.application import grades_cache
from ent_schoollife.application.grades_reading import graded
from ent_schoollife.application.roster_projection import RosterProjection
from ent_schoollife.application.terms import Terms
from ent_schoollife.domain.averages import class_term_averages
from ent_schoollife.domain.evaluation import Evaluation, NewEvaluation
from ent_schoollife.domain.terms import Term
from ent_schoollife.service import SERVICE
from ent_schoollife.settings import SchoollifeSettings
from opentelemetry.sdk.trace import TracerProvider

from bench.report import ROWS, latency, p99

QUICK = os.environ.get("ENT_BENCH_QUICK", "") not in ("", "0")
SCHOOL_ID = "bench-college"
CLASS_ID = "bench-class-3A"
CLASS_SIZE = 30
GRADES_PER_STUDENT = 200
SUBJECTS = 10
WARMUP = 5 if QUICK else 20
SAMPLES = 30 if QUICK else 300
GOAL_BY_SUBJECT_MS = 30.0
GOAL_CLASS_AVERAGES_MS = 50.0
KEYS = DevKeys.generate()


@dataclasses.dataclass(frozen=True)
class World:
    runtime: Runtime
    store: Path
    term: Term
    students: list[str]
    main_teacher: str


def settings(tmp: Path) -> SchoollifeSettings:
    return SchoollifeSettings(
        service_name="schoollife",
        user_token_public_key=KEYS.user_token_public_key,
        service_signing_key=KEYS.service_keys["schoollife"],
        peer_public_keys=KEYS.settings("schoollife")["peer_public_keys"],
        store_url=f"sqlite://{tmp}/schoollife.db",
        blob_url=f"file://{tmp}/blobs",
    )


def roster_events(students: list[str], teachers: list[str]) -> list[DomainEvent]:
    profiles: tuple[tuple[Profile, list[str]], ...] = (("student", students), ("teacher", teachers))
    people: list[DomainEvent] = [
        UserRegistered(
            user_id=user_id,
            school_id=SCHOOL_ID,
            login=user_id,
            first_name=user_id.rsplit("-", 1)[-1],
            last_name="Bench",
            profile=profile,
            subjects=[f"Matière {n}"] if profile == "teacher" else [],
        )
        for profile, ids in profiles
        for n, user_id in enumerate(ids)
    ]
    return [
        *people,
        GroupCreated(group_id=CLASS_ID, school_id=SCHOOL_ID, kind="class", name="3A"),
        GroupMembershipChanged(
            group_id=CLASS_ID,
            members_added=students,
            teachers_added=teachers,
            main_teacher_id=teachers[0],
        ),
    ]


async def feed_roster(runtime: Runtime, events: list[DomainEvent]) -> None:
    """The directory's events applied by the roster's projection, as its consumer would."""
    projection = RosterProjection()
    async with runtime.storage.documents.transaction() as tx:
        for version, event in enumerate(events, start=1):
            await projection.apply(tx, envelope_for(event, "bench", version, SYSTEM), event)


def evaluations(
    term: Term, today: date, students: list[str], teachers: list[str]
) -> list[Evaluation]:
    """GRADES_PER_STUDENT published evaluations of the class spread over the term so far,
    each grading every student (about 3 % Abs, 2 % Disp); every tenth optional, every
    twentieth bonus, a third out of 40 or 10 and not brought to 20."""
    rng = random.Random(20_261_126)
    days = max(1, (min(today, term.ends_on) - term.starts_on).days + 1)
    made = []
    for n in range(GRADES_PER_STUDENT):
        subject = n % SUBJECTS
        out_of = (20.0, 40.0, 10.0)[n % 3]
        evaluation = Evaluation(f"bench-evaluation-{n:04}")
        evaluation.create(
            NewEvaluation(
                school_id=SCHOOL_ID,
                group_id=CLASS_ID,
                teacher_id=teachers[subject],
                subject=f"Matière {subject}",
                on=term.starts_on + timedelta(days=n % days),
                title=f"Évaluation {n}",
                out_of=out_of,
                coefficient=float(1 + n % 3),
                brought_to_20=n % 3 == 0,
                optional=n % 10 == 9,
                bonus=n % 20 == 4,
            )
        )
        grades = []
        for student in students:
            draw = rng.random()
            if draw < 0.03:
                grades.append(GradeEntry(student_id=student, marker="Abs"))
            elif draw < 0.05:
                grades.append(GradeEntry(student_id=student, marker="Disp"))
            else:
                value = round(rng.uniform(0, out_of) * 4) / 4
                grades.append(GradeEntry(student_id=student, value=value))
        evaluation.enter(grades, {s: s for s in students}, now=_now())
        evaluation.publish(_now())
        made.append(evaluation)
    return made


def _now() -> datetime:
    return datetime.now(UTC)


async def build(tmp: Path) -> World:
    definition = dataclasses.replace(SERVICE, uses_broker=False, periodic=[])
    runtime = Runtime(definition, settings(tmp), TracerProvider())
    await runtime.start()
    students = [f"bench-student-{n:02}" for n in range(CLASS_SIZE)]
    teachers = [f"bench-teacher-{n:02}" for n in range(SUBJECTS)]
    await feed_roster(runtime, roster_events(students, teachers))
    s = runtime.settings
    assert isinstance(s, SchoollifeSettings)
    today = s.now().date()
    term = await Terms(runtime.storage.documents).current(SCHOOL_ID, today)
    repository = Repository(runtime.storage.events, Evaluation, runtime.signal)
    position = 0
    for evaluation in evaluations(term, today, students, teachers):
        position = await repository.save(evaluation, SYSTEM)
    await runtime.projectors["grades"].caught_up(position, timeout=300)
    return World(runtime, tmp / "schoollife.db", term, students, teachers[0])


def bearer(user_id: str, profile: Profile) -> dict[str, str]:
    identity = Identity(user_id=user_id, profile=profile, school_id=SCHOOL_ID)
    return {"authorization": f"Bearer {KEYS.user_token(identity, timedelta(hours=1))}"}


async def samples(call: Callable[[], Awaitable[None]], *, first: bool = False) -> list[float]:
    """`first`: each call as the first after a change of the grades (the rows and
    averages computed before are forgotten), as the first of a class to consult after a
    publication waits."""
    for _ in range(WARMUP):
        await call()
    timings = []
    for _ in range(SAMPLES):
        if first:
            grades_cache.forget_grades()
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def floor_ms(world: World) -> float:
    """The median of: the class's published rows of the term read by a bare indexed
    query on a fresh connection's cache, decoded and averaged for the class."""
    connection = sqlite3.connect(f"file:{world.store}?mode=ro", uri=True)
    sql = (
        "SELECT id, body FROM documents WHERE collection = 'grades_evaluations'"
        " AND json_extract(body, '$.group_id') = ? AND json_extract(body, '$.published') = 1"
        " AND json_extract(body, '$.on') >= ? AND json_extract(body, '$.on') <= ?"
        " ORDER BY json_extract(body, '$.on'), id"
    )
    bounds = (CLASS_ID, world.term.starts_on.isoformat(), world.term.ends_on.isoformat())
    decode = msgspec.json.Decoder().decode
    timings = []
    try:
        for _ in range(WARMUP + SAMPLES):
            started = time.perf_counter()
            rows = [{**decode(body), "id": i} for i, body in connection.execute(sql, bounds)]
            assert len(rows) == GRADES_PER_STUDENT, len(rows)
            class_term_averages([graded(r) for r in rows], world.students, world.term, {})
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return sorted(timings[WARMUP:])[len(timings[WARMUP:]) // 2]


def goal(name: str, samples_ms: list[float], goal_ms: float) -> None:
    """The suite's absolute goal on p99, kept on the row `latency` just added."""
    value = p99(samples_ms)
    last = ROWS[-1]
    assert last.name == f"{name}.p99_ms"
    ROWS[-1] = dataclasses.replace(last, goal=f"< {goal_ms:g} ms", met=value < goal_ms)


async def run_grades(tmp: Path) -> None:
    world = await build(tmp)
    try:
        floor = floor_ms(world)
        app: Any = create_app(world.runtime)  # an ASGI app; httpx types it more narrowly
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://schoollife") as client:
            student = bearer(world.students[7], "student")
            teacher = bearer(world.main_teacher, "teacher")

            async def by_subject() -> None:
                answer = await client.get("/schoollife/grades/by-subject", headers=student)
                assert answer.status_code == 200, answer.text
                assert (
                    sum(len(s["grades"]) for s in answer.json()["subjects"]) == GRADES_PER_STUDENT
                )

            async def class_averages() -> None:
                path = f"/schoollife/grades/groups/{CLASS_ID}/averages"
                answer = await client.get(path, headers=teacher)
                assert answer.status_code == 200, answer.text
                assert len(answer.json()["students"]) == CLASS_SIZE

            name = "schoollife.grades_by_subject"
            timings = await samples(by_subject)
            latency(name, timings, floor)
            goal(name, timings, GOAL_BY_SUBJECT_MS)
            name = "schoollife.class_averages_30"
            timings = await samples(class_averages)
            latency(name, timings, floor)
            goal(name, timings, GOAL_CLASS_AVERAGES_MS)
            # The same two, each the first after the grades changed (computed afresh).
            latency(
                "schoollife.grades_by_subject_first", await samples(by_subject, first=True), floor
            )
            latency(
                "schoollife.class_averages_30_first",
                await samples(class_averages, first=True),
                floor,
            )
    finally:
        await world.runtime.stop()
