"""The people a reachability check reads from the directory's store: the user documents
as the projection writes them, substitutions joined to the replaced teacher's classes."""

from __future__ import annotations

from datetime import date
from typing import Any

from ent_directory.application.projections import USERS
from ent_directory.application.reachability import ReachabilityService
from ent_directory.domain.rules import Substitution
from ent_kit.storage import Storage
from kit_fixtures import storage

__all__ = ["storage"]  # fixture, imported so pytest finds it here


def user(profile: str, **more: Any) -> dict[str, Any]:
    groups = {"member_of": [], "teaches": [], "parent_of": [], "relatives": []}
    names = {"login": "x", "first_name": "Léa", "last_name": "Petit", "display_name": "Léa Petit"}
    base = {"school_id": "school-a", "profile": profile, "active": True, "frozen": False}
    return {**names, **base, **groups, "function": None, "substitutions": [], **more}


async def test_a_substitute_is_read_with_the_replaced_teachers_classes(storage: Storage) -> None:
    period = {"id": "sub-1", "replaced_id": "absent", "starts_on": "2026-03-02"}
    async with storage.documents.transaction() as tx:
        await tx.put(USERS, "absent", user("teacher", teaches=["5B", "5C"]))
        await tx.put(
            USERS,
            "substitute",
            user("teacher", teaches=["6A"], substitutions=[{**period, "ends_on": "2026-03-13"}]),
        )
        await tx.put(USERS, "student", user("student", member_of=["5B"], relatives=["mum"]))

    people = await ReachabilityService(storage.documents).people(
        ["substitute", "student", "unknown", "substitute"]
    )

    assert set(people) == {"substitute", "student"}
    substitute = people["substitute"]
    assert substitute.substitutions == (
        Substitution(frozenset({"5B", "5C"}), date(2026, 3, 2), date(2026, 3, 13)),
    )
    assert substitute.teaches_on(date(2026, 3, 5)) == {"6A", "5B", "5C"}
    assert substitute.teaches_on(date(2026, 3, 16)) == {"6A"}
    student = people["student"]
    assert (student.user_id, student.member_of, student.relatives) == (
        "student",
        frozenset({"5B"}),
        frozenset({"mum"}),
    )
    assert (student.function, student.active, student.frozen) == (None, True, False)
