"""Directory aggregates: User, Group and School decide, trigger events, and stay idempotent."""

from __future__ import annotations

from datetime import date

import pytest
from ent_contracts.directory import (
    CommunicationRuleGranted,
    CommunicationRuleRevoked,
    FamilyLinked,
    FavouriteDeleted,
    FavouriteSaved,
    GroupCreated,
    GroupMembershipChanged,
    Profile,
    RecipientRef,
    SessionsEnded,
    SubstitutionScheduled,
    UserDeactivated,
    UserFrozen,
    UserRegistered,
    UserUnfrozen,
    UserUpdated,
)
from ent_directory.domain.defaults import group_rules, school_rules
from ent_directory.domain.model import (
    MAX_FAVOURITE_RECIPIENTS,
    AlreadyRegistered,
    Favourite,
    Group,
    School,
    User,
)
from ent_directory.domain.rules import Rule
from ent_kit.errors import NotFound, Refused

SCHOOL = "school-a"


def registered(
    user_id: str, profile: Profile = "student", classes: tuple[str, ...] = (), login: str = ""
) -> UserRegistered:
    return UserRegistered(
        user_id=user_id,
        school_id=SCHOOL,
        login=login or f"{user_id}.login",
        first_name="Camille",
        last_name="Durand",
        profile=profile,
        classes=list(classes),
    )


def user(user_id: str, profile: Profile = "student", classes: tuple[str, ...] = ()) -> User:
    """A registered user whose registration is already saved (nothing pending)."""
    u = User(user_id)
    u.register(registered(user_id, profile, classes))
    u.mark_saved()
    return u


def same_details(user_id: str) -> UserUpdated:
    return UserUpdated(
        user_id=user_id, first_name="Camille", last_name="Durand", classes=["6A"], subjects=[]
    )


# --- User ----------------------------------------------------------------------------


def test_register_triggers_the_registration() -> None:
    u = User("u1")
    event = registered("u1", classes=("6A",))
    u.register(event)
    assert u.pending() == [event]
    assert u.profile == "student"
    assert u.active
    assert not u.frozen


def test_register_twice_raises_and_triggers_nothing_more() -> None:
    u = User("u1")
    u.register(registered("u1"))
    with pytest.raises(AlreadyRegistered) as refused:
        u.register(registered("u1", login="other"))
    assert refused.value.field == "user_id"
    assert isinstance(refused.value, Refused)
    assert len(u.pending()) == 1


def test_update_with_identical_details_is_an_idempotent_reimport() -> None:
    u = user("u1", classes=("6A",))
    assert u.update(same_details("u1")) is False
    assert u.pending() == []


def test_update_with_the_same_classes_in_another_order_changes_nothing() -> None:
    u = user("t1", profile="teacher", classes=("6A", "5B", "4C"))
    reordered = UserUpdated(
        user_id="t1", first_name="Camille", last_name="Durand", classes=["4C", "6A", "5B"]
    )
    assert u.update(reordered) is False
    assert u.pending() == []


def test_update_with_changed_details_triggers_once() -> None:
    u = user("u1", classes=("6A",))
    moved = UserUpdated(user_id="u1", first_name="Camille", last_name="Durand", classes=["5B"])
    assert u.update(moved) is True
    assert u.pending() == [moved]
    assert u.update(moved) is False  # the same re-import again
    assert u.pending() == [moved]


def test_update_after_deactivation_reactivates() -> None:
    u = user("u1", classes=("6A",))
    assert u.deactivate() is True
    assert not u.active
    assert u.update(same_details("u1")) is True
    assert u.active
    assert u.pending() == [
        UserDeactivated(user_id="u1"),
        SessionsEnded(user_id="u1", session_version=1, reason="deactivated"),
        same_details("u1"),
    ]


def test_update_of_an_unregistered_user_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        User("ghost").update(same_details("ghost"))
    assert refused.value.field == "user_id"


def test_freeze_and_unfreeze_are_idempotent() -> None:
    u = user("u1", "teacher")
    u.unfreeze(by="admin")  # not frozen: nothing to do
    assert u.pending() == []

    u.freeze(by="admin", reason="hijacked")
    u.freeze(by="admin", reason="hijacked again")
    assert u.frozen
    frozen = [
        UserFrozen(user_id="u1", by="admin", reason="hijacked"),
        SessionsEnded(user_id="u1", session_version=1, reason="frozen"),
    ]
    assert u.pending() == frozen

    u.unfreeze(by="admin")
    u.unfreeze(by="admin")
    assert not u.frozen
    assert u.pending() == [*frozen, UserUnfrozen(user_id="u1", by="admin")]


def test_deactivate_twice_triggers_once() -> None:
    u = user("u1")
    assert u.deactivate() is True
    assert u.deactivate() is False
    assert u.pending() == [
        UserDeactivated(user_id="u1"),
        SessionsEnded(user_id="u1", session_version=1, reason="deactivated"),
    ]


def test_link_child_links_a_parent_to_a_student_once() -> None:
    parent, child = user("p1", "parent"), user("s1", "student")
    parent.link_child(child)
    parent.link_child(child)
    assert parent.children == {"s1"}
    assert parent.pending() == [FamilyLinked(parent_id="p1", student_id="s1")]
    assert child.pending() == []


@pytest.mark.parametrize(
    ("parent_profile", "child_profile", "field"),
    [
        ("teacher", "student", "parent_id"),
        ("student", "student", "parent_id"),
        ("staff", "student", "parent_id"),
        ("parent", "parent", "student_id"),
        ("parent", "teacher", "student_id"),
    ],
)
def test_link_child_only_from_parent_to_student(
    parent_profile: Profile, child_profile: Profile, field: str
) -> None:
    parent, child = user("p1", parent_profile), user("c1", child_profile)
    with pytest.raises(Refused) as refused:
        parent.link_child(child)
    assert refused.value.field == field
    assert parent.pending() == []
    assert parent.children == set()


# --- Group ---------------------------------------------------------------------------


def group(group_id: str = "6A") -> Group:
    g = Group(group_id)
    g.create(SCHOOL, "class", "6e A")
    g.mark_saved()
    return g


def test_create_group_once_and_with_a_name() -> None:
    g = Group("6A")
    g.create(SCHOOL, "class", "6e A")
    assert g.pending() == [GroupCreated(group_id="6A", school_id=SCHOOL, kind="class", name="6e A")]
    with pytest.raises(Refused):
        g.create(SCHOOL, "class", "6e A")
    with pytest.raises(Refused) as refused:
        Group("5B").create(SCHOOL, "class", "   ")
    assert refused.value.field == "name"


def test_set_membership_emits_exact_added_and_removed_lists() -> None:
    g = group()
    assert g.set_membership({"s2", "s1", "s3"}, {"t1", "t2"}, "t1") is True
    assert g.set_membership({"s2", "s4", "s3", "s5"}, {"t2", "t3"}, "t2") is True

    assert g.pending() == [
        GroupMembershipChanged(
            group_id="6A",
            members_added=["s1", "s2", "s3"],
            teachers_added=["t1", "t2"],
            main_teacher_id="t1",
        ),
        GroupMembershipChanged(
            group_id="6A",
            members_added=["s4", "s5"],
            members_removed=["s1"],
            teachers_added=["t3"],
            teachers_removed=["t1"],
            main_teacher_id="t2",
        ),
    ]
    assert g.members == {"s2", "s3", "s4", "s5"}
    assert g.teachers == {"t2", "t3"}
    assert g.main_teacher_id == "t2"


def test_set_membership_without_teachers_keeps_them() -> None:
    g = group()
    g.set_membership({"s1"}, {"t1"})
    g.mark_saved()
    assert g.set_membership({"s1", "s2"}) is True
    assert g.pending() == [GroupMembershipChanged(group_id="6A", members_added=["s2"])]
    assert g.teachers == {"t1"}


def test_set_membership_returns_false_when_nothing_changes() -> None:
    g = group()
    g.set_membership({"s1", "s2"}, {"t1"}, "t1")
    g.mark_saved()
    assert g.set_membership({"s2", "s1"}, {"t1"}, "t1") is False
    assert g.pending() == []


def test_changing_only_the_main_teacher_is_a_change() -> None:
    g = group()
    g.set_membership({"s1"}, {"t1", "t2"}, "t1")
    g.mark_saved()
    assert g.set_membership({"s1"}, {"t1", "t2"}, "t2") is True
    assert g.pending() == [GroupMembershipChanged(group_id="6A", main_teacher_id="t2")]
    assert g.main_teacher_id == "t2"


def test_set_membership_without_main_teacher_keeps_it() -> None:
    g = group()
    g.set_membership({"s1"}, {"t1"}, "t1")
    g.mark_saved()
    assert g.set_membership({"s1"}) is False
    assert g.pending() == []
    assert g.main_teacher_id == "t1"


@pytest.mark.parametrize(
    ("teachers", "main_teacher_id"),
    [({"t1"}, "t2"), (set(), "t1"), (None, "t9")],
)
def test_main_teacher_must_teach_the_group(teachers: set[str] | None, main_teacher_id: str) -> None:
    g = group()
    g.set_membership({"s1"}, {"t1"})
    g.mark_saved()
    with pytest.raises(Refused) as refused:
        g.set_membership({"s1", "s2"}, teachers, main_teacher_id)
    assert refused.value.field == "main_teacher_id"
    assert g.pending() == []
    assert g.members == {"s1"}
    assert g.main_teacher_id is None


def test_main_teacher_among_the_current_teachers() -> None:
    g = group()
    g.set_membership({"s1"}, {"t1"})
    g.mark_saved()
    assert g.set_membership({"s1"}, None, "t1") is True
    assert g.main_teacher_id == "t1"


# --- School --------------------------------------------------------------------------


def school() -> School:
    return School(SCHOOL)


def test_grant_the_same_permission_twice_grants_once() -> None:
    s = school()
    rule = Rule("r1", "pedagogical", "6A", "teachers", "6A", "parents")
    assert s.grant(rule) is True
    assert s.grant(rule) is False
    # Another id for the same permission is still the same permission.
    assert s.grant(Rule("r2", "pedagogical", "6A", "teachers", "6A", "parents")) is False
    assert s.pending() == [
        CommunicationRuleGranted(
            rule_id="r1",
            school_id=SCHOOL,
            list_kind="pedagogical",
            sender_scope="6A",
            sender_role="teachers",
            recipient_scope="6A",
            recipient_role="parents",
        )
    ]
    assert s.rules == {"r1": rule}


def test_the_opposite_direction_is_another_permission() -> None:
    s = school()
    assert s.grant(Rule("r1", "pedagogical", "6A", "teachers", "6A", "parents")) is True
    assert s.grant(Rule("r2", "pedagogical", "6A", "parents", "6A", "teachers")) is True
    assert len(s.pending()) == 2


def test_granting_the_defaults_twice_grants_nothing_new() -> None:
    s = school()
    defaults = [*school_rules(SCHOOL), *group_rules(SCHOOL, "6A", "class")]
    assert all(s.grant(r) for r in defaults)
    s.mark_saved()
    assert not any(s.grant(r) for r in [*school_rules(SCHOOL), *group_rules(SCHOOL, "6A", "class")])
    assert s.pending() == []
    assert len(s.rules) == len(defaults)


def test_revoke_a_granted_rule_then_grant_it_again() -> None:
    s = school()
    rule = Rule("r1", "pedagogical", "6A", "parents", "6A", "teachers")
    s.grant(rule)
    s.revoke("r1")
    assert s.rules == {}
    assert s.pending()[-1] == CommunicationRuleRevoked(rule_id="r1", school_id=SCHOOL)
    assert s.grant(rule) is True


def test_revoke_unknown_rule_raises() -> None:
    s = school()
    with pytest.raises(Refused) as refused:
        s.revoke("no-such-rule")
    assert refused.value.field == "rule_id"
    assert s.pending() == []

    s.grant(Rule("r1", "pedagogical", "6A", "parents", "6A", "teachers"))
    s.revoke("r1")
    with pytest.raises(Refused):
        s.revoke("r1")  # already revoked
    assert len(s.pending()) == 2


def test_schedule_substitution_between_two_teachers_once() -> None:
    s = school()
    substitute, replaced = user("sub", "teacher"), user("t5b", "teacher")
    start, end = date(2026, 3, 2), date(2026, 3, 13)
    s.schedule_substitution("sub-1", substitute, replaced, start, end)
    s.schedule_substitution("sub-1", substitute, replaced, start, end)
    assert s.pending() == [
        SubstitutionScheduled(
            substitution_id="sub-1",
            school_id=SCHOOL,
            substitute_id="sub",
            replaced_id="t5b",
            starts_on=start,
            ends_on=end,
        )
    ]


def test_a_one_day_substitution_is_allowed() -> None:
    s = school()
    day = date(2026, 3, 2)
    s.schedule_substitution("sub-1", user("sub", "teacher"), user("t5b", "teacher"), day, day)
    assert len(s.pending()) == 1


@pytest.mark.parametrize(
    ("substitute_profile", "replaced_profile"),
    [("staff", "teacher"), ("teacher", "staff"), ("parent", "teacher"), ("student", "student")],
)
def test_schedule_substitution_refuses_non_teachers(
    substitute_profile: Profile, replaced_profile: Profile
) -> None:
    s = school()
    with pytest.raises(Refused):
        s.schedule_substitution(
            "sub-1",
            user("sub", substitute_profile),
            user("t5b", replaced_profile),
            date(2026, 3, 2),
            date(2026, 3, 13),
        )
    assert s.pending() == []


def test_schedule_substitution_refuses_a_reversed_period() -> None:
    s = school()
    with pytest.raises(Refused) as refused:
        s.schedule_substitution(
            "sub-1",
            user("sub", "teacher"),
            user("t5b", "teacher"),
            date(2026, 3, 13),
            date(2026, 3, 2),
        )
    assert refused.value.field == "ends_on"
    assert s.pending() == []


# --- Favourite -------------------------------------------------------------------------

PARENTS_6A = [RecipientRef(group_id="6A", role="parents")]


def favourite(owner_id: str = "t1") -> Favourite:
    f = Favourite("f1")
    f.create(owner_id, "Parents 6A", PARENTS_6A)
    f.mark_saved()
    return f


def test_create_a_favourite_trims_its_name() -> None:
    f = Favourite("f1")
    f.create("t1", "  Parents 6A ", PARENTS_6A)
    assert f.pending() == [
        FavouriteSaved(favourite_id="f1", owner_id="t1", name="Parents 6A", recipients=PARENTS_6A)
    ]


def test_only_the_owner_changes_or_deletes_a_favourite() -> None:
    f = favourite("t1")
    for attempt in (lambda: f.change("t2", "x", PARENTS_6A), lambda: f.delete("t2")):
        with pytest.raises(NotFound) as not_found:
            attempt()
        assert not_found.value.reason == "favourite_not_found"
    assert f.pending() == []
    f.change("t1", "Réunion", PARENTS_6A)
    f.delete("t1")
    assert [type(e) for e in f.pending()] == [FavouriteSaved, FavouriteDeleted]


def test_a_deleted_favourite_is_not_found_even_for_its_owner() -> None:
    f = favourite("t1")
    f.delete("t1")
    f.mark_saved()
    with pytest.raises(NotFound):
        f.change("t1", "Again", PARENTS_6A)
    with pytest.raises(NotFound):
        f.delete("t1")


@pytest.mark.parametrize(
    ("name", "recipients", "field"),
    [
        ("  ", PARENTS_6A, "name"),
        ("Vide", [], "recipients"),
        ("Trop", PARENTS_6A * (MAX_FAVOURITE_RECIPIENTS + 1), "recipients"),
    ],
)
def test_a_favourite_needs_a_name_and_1_to_200_recipients(
    name: str, recipients: list[RecipientRef], field: str
) -> None:
    with pytest.raises(Refused) as refused:
        Favourite("f1").create("t1", name, recipients)
    assert refused.value.field == field
