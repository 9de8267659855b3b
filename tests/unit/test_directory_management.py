"""Who manages a school, as pure rules (`domain.management`)."""

from __future__ import annotations

import pytest
from ent_directory.domain.management import Member, is_direction, manages_school, manages_user

PRINCIPAL = Member("p", "school-a", "staff", "direction")
CPE = Member("c", "school-a", "staff", "vie_scolaire")
TEACHER = Member("t", "school-a", "teacher")
STUDENT = Member("s", "school-a", "student")
ELSEWHERE = Member("x", "school-b", "student")


@pytest.mark.parametrize(
    ("member", "direction"),
    [
        (PRINCIPAL, True),
        (CPE, False),
        (TEACHER, False),
        (Member("d", "s", "teacher", "direction"), False),
    ],
)
def test_the_direction_is_staff_whose_function_is_direction(
    member: Member, direction: bool
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


def test_a_member_is_read_from_a_user_document() -> None:
    doc = {"id": "p", "school_id": "school-a", "profile": "staff", "function": "direction"}
    assert Member.of(doc) == PRINCIPAL
    assert Member.of({"id": "s", "school_id": "school-a", "profile": "student"}) == STUDENT
