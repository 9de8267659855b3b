"""The home page's composition rules (ent_gateway.domain.home) and its setting,
`ENT_HOME_BLOCKS`: which blocks each profile sees, per school, and what is refused."""

from __future__ import annotations

import json

import pytest
from ent_gateway.domain.home import (
    BLOCKS,
    HomeLayout,
    InvalidHomeBlocks,
    parse_layout,
    plan,
)
from ent_gateway.settings import GatewaySettings
from kit_fixtures import TEST_KEYS


def test_by_default_students_and_parents_see_everything_teachers_their_own() -> None:
    layout = HomeLayout()
    assert layout.blocks_for("student") == BLOCKS
    assert layout.blocks_for("parent") == BLOCKS
    assert layout.blocks_for("teacher") == ("messages", "casier", "lessons", "agenda")
    assert layout.blocks_for("staff") == ("messages", "casier", "agenda")
    assert layout.blocks_for("guest") == ()
    assert layout.blocks_for("service") == ()  # no home page for a service token


def test_an_empty_setting_is_the_default() -> None:
    assert parse_layout("") == HomeLayout()
    assert parse_layout("  ") == HomeLayout()


def test_a_profile_set_replaces_its_default_and_keeps_page_order() -> None:
    layout = parse_layout(json.dumps({"student": ["grades", "messages"]}))
    assert layout.blocks_for("student") == ("messages", "grades")
    assert layout.blocks_for("parent") == BLOCKS  # left out: the default


def test_a_school_overrides_the_profiles_it_names_only() -> None:
    raw = {
        "teacher": ["messages", "lessons"],
        "school-2": {"student": ["homework", "lessons"], "teacher": []},
    }
    layout = parse_layout(json.dumps(raw))
    assert layout.blocks_for("student", "school-1") == BLOCKS
    assert layout.blocks_for("teacher", "school-1") == ("messages", "lessons")
    # "Le bloc Derniers messages n'est pas forcément visible pour tous les profils."
    assert layout.blocks_for("student", "school-2") == ("homework", "lessons")
    assert layout.blocks_for("teacher", "school-2") == ()
    assert layout.blocks_for("parent", "school-2") == BLOCKS


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("{", "not JSON"),
        ("[]", "a JSON object"),
        ('{"student": ["weather"]}', "unknown block(s) weather"),
        ('{"student": "messages"}', "a list of block names"),
        ('{"teacher": ["grades"]}', "a teacher cannot have grades"),
        ('{"staff": ["homework", "lessons"]}', "a staff cannot have homework, lessons"),
        ('{"school-2": {"janitor": []}}', "unknown profile 'janitor'"),
        ('{"school-2": {"teacher": ["homework"]}}', "school-2.teacher: a teacher cannot"),
        ('{"school-2": ["messages"]}', "neither a profile nor a school"),
    ],
)
def test_a_setting_that_cannot_be_used_is_refused_saying_why(raw: str, says: str) -> None:
    with pytest.raises(InvalidHomeBlocks) as refused:
        parse_layout(raw)
    assert says in str(refused.value)


def test_the_gateway_does_not_start_with_a_bad_setting() -> None:
    with pytest.raises(ValueError, match=r"ENT_HOME_BLOCKS: .*a teacher cannot have grades"):
        GatewaySettings(
            service_name="gateway",
            upstreams="mail=http://127.0.0.1:1",
            home_blocks='{"teacher": ["grades"]}',
            **TEST_KEYS.settings("gateway"),
        )
    good = GatewaySettings(
        service_name="gateway",
        upstreams="mail=http://127.0.0.1:1",
        home_blocks='{"school-2": {"student": ["lessons"]}}',
        **TEST_KEYS.settings("gateway"),
    )
    assert good.home_layout().blocks_for("student", "school-2") == ("lessons",)
    assert good.home_block_timeout_s == 0.8


def test_a_parents_school_life_blocks_are_per_child_the_others_on_the_page() -> None:
    parent = plan(BLOCKS, "parent")
    assert parent.account == ("messages", "casier")
    assert parent.student == ("homework", "lessons", "grades", "agenda")
    assert parent.per_child
    student = plan(BLOCKS, "student")
    assert student.account == BLOCKS
    assert not student.per_child
    teacher = plan(("messages", "lessons", "agenda"), "teacher")
    assert teacher.account == ("messages", "lessons", "agenda")
    assert teacher.student == ()
