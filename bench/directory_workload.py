"""The `directory` suite's workload: senders, their 200 recipients, and the sanity
decisions checked before any timing (see bench.directory)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from ent_contracts.directory import Role
from ent_contracts.directory_api import Recipient, Verdict
from ent_directory.application.reachability import ReachabilityService

from bench.directory_region import Ids, School

RECIPIENTS = 200
UNKNOWN_IDS = 4  # per check: ids the directory does not know
OTHER_SCHOOL = 4  # per check: people of another school
SENDER_KINDS = ("teacher", "parent", "vie_scolaire")
SENDER_WEIGHTS = (0.4, 0.4, 0.2)
# Audiences of a check `with_audiences`: the roles of one class of the sender's (a class
# they teach, their child's; any class for vie scolaire), each expanded by the directory.
AUDIENCE_ROLES: tuple[Role, ...] = ("parents", "students", "teachers")


class WrongDecision(AssertionError):
    """The check answered a sanity case wrongly: its timings would mean nothing."""


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


def _class_of_sender(rng: random.Random, school: School, kind: str, sender: str) -> str:
    if kind == "teacher":
        return rng.choice(school.teaches[sender])
    if kind == "parent":
        return school.class_of[rng.choice(school.children[sender])]
    return rng.choice(list(school.students))


def workload(
    schools: list[School], count: int, seed: int, *, with_audiences: bool = False
) -> list[Check]:
    """Senders by SENDER_WEIGHTS; to each, 200 distinct recipients: half from whom they
    plausibly write to, the rest anyone in their school, UNKNOWN_IDS ids nobody has and
    OTHER_SCHOOL people of another school. `with_audiences`: 3 of the 200 are the
    AUDIENCE_ROLES of one class of the sender's (about 100 people once expanded)."""
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
        audiences = len(AUDIENCE_ROLES) if with_audiences else 0
        in_school = RECIPIENTS - UNKNOWN_IDS - OTHER_SCHOOL - audiences
        near = _near(school, kind, sender)
        chosen = dict.fromkeys(rng.sample(near, min(len(near), in_school // 2)))
        while len(chosen) < in_school:
            chosen[rng.choice(school.accounts)] = None
        other = schools[(index + 1 + rng.randrange(len(schools) - 1)) % len(schools)]
        chosen |= dict.fromkeys(rng.sample(other.accounts, OTHER_SCHOOL))
        chosen |= dict.fromkeys(ids() for _ in range(UNKNOWN_IDS))
        recipients = [Recipient(user_id=u) for u in chosen]
        if with_audiences:
            group = _class_of_sender(rng, school, kind, sender)
            recipients += [Recipient(group_id=group, role=role) for role in AUDIENCE_ROLES]
        rng.shuffle(recipients)
        checks.append(Check(kind, sender, recipients))
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
