"""Who manages a school, as pure rules (`domain.management`) over the people the
communication rules know (`domain.rules.Person`)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from ent_directory.application.reachability import UserRow, person
from ent_directory.domain.management import is_direction, manages_school, manages_user
from ent_directory.domain.rules import Person

PRINCIPAL = Person("p", "school-a", "staff", "direction")
CPE = Person("c", "school-a", "staff", "vie_scolaire")
TEACHER = Person("t", "school-a", "teacher")
STUDENT = Person("s", "school-a", "student")
ELSEWHERE = Person("x", "school-b", "student")


@pytest.mark.parametrize(
    ("member", "direction"),
    [
        (PRINCIPAL, True),
        (CPE, False),
        (TEACHER, False),
        (Person("d", "s", "teacher", "direction"), False),
    ],
)
def test_the_direction_is_staff_whose_function_is_direction(
    member: Person, direction: bool
) -> None:
    assert is_direction(member) is direction


def test_the_direction_manages_its_own_school_only() -> None:
    assert manages_school(PRINCIPAL, "school-a")
    assert not manages_school(PRINCIPAL, "school-b")
    assert not manages_school(CPE, "school-a")


def test_the_direction_manages_the_accounts_of_its_school_only() -> None:
    assert manages_user(PRINCIPAL, STUDENT)
    assert manages_user(PRINCIPAL, TEACHER)
    assert not manages_user(PRINCIPAL, ELSEWHERE)
    assert not manages_user(TEACHER, STUDENT)


def test_a_person_is_read_from_a_user_document() -> None:
    def doc(user_id: str, profile: str, **more: Any) -> dict[str, Any]:
        groups: dict[str, list[str]] = {
            "member_of": [],
            "teaches": [],
            "parent_of": [],
            "relatives": [],
        }
        base = {"id": user_id, "school_id": "school-a", "profile": profile}
        return {**base, "active": True, "frozen": False, **groups, **more}

    def read(user_id: str, profile: str, **more: Any) -> Person:
        return person(user_id, msgspec.convert(doc(user_id, profile, **more), UserRow), {})

    assert read("p", "staff", function="direction") == PRINCIPAL
    assert read("s", "student") == STUDENT
