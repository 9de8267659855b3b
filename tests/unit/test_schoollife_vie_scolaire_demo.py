"""The demo seed of the vie scolaire and the agenda: what it records, and that a second
run adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import anyio
from ent_contracts.directory import FamilyLinked, GroupCreated, GroupMembershipChanged
from ent_schoollife.application.demo_vie_scolaire import seed_demo_vie_scolaire
from ent_schoollife.application.roster import Roster
from ent_schoollife.wiring import vie_scolaire as wiring
from kit_fixtures import user_registered
from schoollife_fixtures import (
    JADE,
    LEA,
    MATHS,
    PARENT_SIMPLE,
    SCHOOL,
    VIE_SCOLAIRE,
    Schoollife,
    feed_roster,
    schoollife,
)

__all__ = ["schoollife"]
BASE = "/schoollife/vie-scolaire"
FOURTH = ["student-a", "student-b", "student-c"]


async def _a_4a_class(schoollife: Schoollife) -> None:
    events = [
        *(user_registered(s, SCHOOL, first_name=s[-1].upper(), last_name="Quatre") for s in FOURTH),
        *(user_registered(f"parent-{s}", SCHOOL, profile="parent") for s in FOURTH),
        GroupCreated(group_id="class-4a", school_id=SCHOOL, kind="class", name="4A"),
        GroupMembershipChanged(
            group_id="class-4a",
            members_added=FOURTH,
            teachers_added=[MATHS.user_id],
            main_teacher_id=MATHS.user_id,
        ),
        *(FamilyLinked(parent_id=f"parent-{s}", student_id=s) for s in FOURTH),
    ]
    await feed_roster(schoollife.runtime.storage, events)


async def test_the_demo_seed_fills_the_vie_scolaire_and_the_agenda_once(
    schoollife: Schoollife,
) -> None:
    await _a_4a_class(schoollife)
    runtime = schoollife.runtime
    today = datetime.now(UTC).date()

    async def seed() -> int:
        await seed_demo_vie_scolaire(
            wiring.absences(runtime),
            wiring.incidents(runtime),
            wiring.agenda(runtime),
            runtime.storage.documents,
            Roster(runtime.storage.documents),
            SCHOOL,
            today,
        )
        return await runtime.storage.events.last_position()

    # Run where the app's projectors run (the test client's portal): commands waiting for
    # them from the test's own loop may share their store's locks across two loops.
    portal = schoollife.client.blocking_portal
    first = await anyio.to_thread.run_sync(portal.call, seed)
    assert await anyio.to_thread.run_sync(portal.call, seed) == first  # nothing new

    pending = (await schoollife.get(VIE_SCOLAIRE, f"{BASE}/pending")).json()["items"]
    assert [(a["student"]["user_id"], a["state"]) for a in pending] == [("student-b", "submitted")]
    seen = {}
    for student in FOURTH:
        page = await schoollife.get(VIE_SCOLAIRE, f"{BASE}/summary", student_id=student)
        seen[student] = page.json()
    assert sum(t["counts"]["absences"] for t in seen["student-a"]["terms"]) == 1
    assert sum(t["counts"]["unjustified_absences"] for t in seen["student-a"]["terms"]) == 0
    assert sum(t["counts"]["late_arrivals"] for t in seen["student-c"]["terms"]) == 1
    assert sum(t["counts"]["punitions"] for t in seen["student-c"]["terms"]) == 1
    jade = (await schoollife.get(PARENT_SIMPLE, f"{BASE}/summary")).json()
    assert sum(t["counts"]["unjustified_absences"] for t in jade["terms"]) == 1

    def titles(answer: object) -> list[str]:
        return [i["title"] for i in answer.json()["items"]]  # type: ignore[attr-defined]

    agenda = "/schoollife/agenda/"
    assert titles(await schoollife.get(LEA, agenda, to=_in(14))) == ["Réunion parents-professeurs"]
    assert titles(await schoollife.get(JADE, agenda, to=_in(14))) == ["Réunion parents-professeurs"]
    fourth = await schoollife.get(MATHS, agenda, student_id="student-a", to=_in(14))
    assert titles(fourth) == ["Réunion parents-professeurs", "Sortie au musée"]


def _in(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()
