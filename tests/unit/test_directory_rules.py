"""Who may write to whom: the seed's four lists (002, "Les listes de destinataires")
evaluated by the pure rules of the directory on a small school built in plain Python."""

from __future__ import annotations

from datetime import date

import pytest
from ent_contracts.directory import Role
from ent_directory.domain.defaults import group_rules, school_rules
from ent_directory.domain.rules import Person, Reachability, Refusal, Rule, Substitution

SCHOOL = "school-a"
OTHER_SCHOOL = "school-b"
DAY = date(2026, 1, 12)  # an ordinary school day, outside the substitution
SUB_START, SUB_END = date(2026, 3, 2), date(2026, 3, 13)


def _f(*items: str) -> frozenset[str]:
    return frozenset(items)


RULES: list[Rule] = [
    *school_rules(SCHOOL),
    *group_rules(SCHOOL, "6A", "class"),
    *group_rules(SCHOOL, "5B", "class"),
    *group_rules(SCHOOL, "latin", "teaching"),
    *group_rules(SCHOOL, "club", "collaborative"),
]

PEOPLE: dict[str, Person] = {
    p.user_id: p
    for p in [
        Person("teacher_6a", SCHOOL, "teacher", teaches=_f("6A")),  # main teacher of 6A
        Person("teacher_5b", SCHOOL, "teacher", teaches=_f("5B")),
        Person("teacher_latin", SCHOOL, "teacher", teaches=_f("latin")),
        Person(
            "substitute",
            SCHOOL,
            "teacher",
            substitutions=(Substitution(_f("5B"), SUB_START, SUB_END),),
        ),
        Person("frozen_teacher", SCHOOL, "teacher", teaches=_f("5B"), frozen=True),
        Person(
            "student_6a", SCHOOL, "student", member_of=_f("6A", "latin"), relatives=_f("parent_6a")
        ),
        Person("student_6a_2", SCHOOL, "student", member_of=_f("6A", "club")),
        Person(
            "student_5b", SCHOOL, "student", member_of=_f("5B", "latin"), relatives=_f("parent_5b")
        ),
        Person("student_left", SCHOOL, "student", member_of=_f("6A"), active=False),
        Person("parent_6a", SCHOOL, "parent", parent_of=_f("6A"), relatives=_f("student_6a")),
        Person(
            "parent_5b",
            SCHOOL,
            "parent",
            parent_of=_f("5B"),
            relatives=_f("student_5b"),
            member_of=_f("club"),
        ),
        Person("principal", SCHOOL, "staff", function="direction"),
        Person("cpe", SCHOOL, "staff", function="vie_scolaire"),
        Person("secretary", SCHOOL, "staff", function="secretariat"),
        # Same group ids in another school must not help.
        Person("outsider", OTHER_SCHOOL, "teacher", teaches=_f("6A")),
        Person("outsider_left", OTHER_SCHOOL, "student", member_of=_f("6A"), active=False),
    ]
}


def reach(sender: str, day: date = DAY, rules: list[Rule] = RULES) -> Reachability:
    return Reachability(PEOPLE[sender], rules, day)


def outcome(sender: str, recipient: str, day: date = DAY, rules: list[Rule] = RULES) -> str:
    """The list that allows the send, or the refusal reason (unknown ids stay strings)."""
    target: Person | str = PEOPLE.get(recipient, recipient)
    decision = reach(sender, day, rules).decide([target])
    if decision.allowed:
        assert decision.allowed == [recipient]
        assert decision.refused == []
        return decision.lists[recipient]
    assert decision.lists == {}
    [refusal] = decision.refused
    assert refusal.user_id == recipient
    return refusal.reason


# --- allowed, with the list that allows it -------------------------------------------


@pytest.mark.parametrize(
    ("sender", "recipient", "list_kind"),
    [
        # pedagogical: teacher and parents of their class, both ways
        ("teacher_6a", "parent_6a", "pedagogical"),
        ("parent_6a", "teacher_6a", "pedagogical"),
        # pedagogical: student and own teachers, both ways
        ("student_6a", "teacher_6a", "pedagogical"),
        ("teacher_6a", "student_6a", "pedagogical"),
        ("student_6a", "teacher_latin", "pedagogical"),
        ("teacher_latin", "student_5b", "pedagogical"),
        # pedagogical: students who share lessons (same class, or the latin group)
        ("student_6a", "student_6a_2", "pedagogical"),
        ("student_6a_2", "student_6a", "pedagogical"),
        ("student_6a", "student_5b", "pedagogical"),
        ("student_5b", "student_6a", "pedagogical"),
        # family: student and own parents only
        ("student_6a", "parent_6a", "family"),
        ("parent_6a", "student_6a", "family"),
        ("student_5b", "parent_5b", "family"),
        # administrative: parents and non-teaching staff
        ("parent_6a", "secretary", "administrative"),
        ("secretary", "parent_6a", "administrative"),
        ("parent_6a", "cpe", "administrative"),
        ("cpe", "parent_6a", "administrative"),
        ("parent_5b", "principal", "administrative"),
        ("principal", "parent_5b", "administrative"),
        # management and vie scolaire reach every member of the classes
        ("principal", "student_6a", "pedagogical"),
        ("principal", "student_5b", "pedagogical"),
        ("principal", "teacher_5b", "administrative"),
        ("cpe", "student_6a_2", "pedagogical"),
        ("cpe", "teacher_6a", "administrative"),
        # collaborative: members of the same space, whatever their profiles
        ("student_6a_2", "parent_5b", "collaborative"),
        ("parent_5b", "student_6a_2", "collaborative"),
        # a frozen account still receives
        ("student_5b", "frozen_teacher", "pedagogical"),
        ("parent_5b", "frozen_teacher", "pedagogical"),
    ],
)
def test_allowed_sends_name_their_list(sender: str, recipient: str, list_kind: str) -> None:
    assert outcome(sender, recipient) == list_kind
    assert reach(sender).may_write_to(PEOPLE[recipient]) == list_kind


@pytest.mark.parametrize(
    ("sender", "recipient"),
    [
        ("parent_6a", "teacher_5b"),  # parent → another class's teacher
        ("parent_5b", "teacher_6a"),
        ("teacher_5b", "parent_6a"),  # teacher → parent of another class
        ("student_6a", "teacher_5b"),  # student → teacher of another class
        ("student_6a_2", "teacher_5b"),
        ("student_6a_2", "teacher_latin"),  # not in the latin group
        ("student_6a_2", "student_5b"),  # student → student of another class
        ("student_5b", "student_6a_2"),
        ("student_6a", "parent_5b"),  # student → another student's parent
        ("student_5b", "parent_6a"),
        ("parent_6a", "student_5b"),  # parent → another family's child
        ("parent_6a", "student_6a_2"),  # ... even in the same class
        ("parent_6a", "parent_5b"),  # non-member → space member
        ("parent_5b", "student_6a"),  # space member → non-member
    ],
)
def test_refused_sends_are_not_allowed(sender: str, recipient: str) -> None:
    assert outcome(sender, recipient) == "not_allowed"
    assert reach(sender).may_write_to(PEOPLE[recipient]) is None


# --- one-way rules ---------------------------------------------------------------------


def test_revoking_parents_to_teachers_keeps_teachers_to_parents() -> None:
    revoked = [
        r
        for r in RULES
        if (r.sender_scope, r.sender_role, r.recipient_scope, r.recipient_role)
        == ("6A", "parents", "6A", "teachers")
    ]
    assert len(revoked) == 1
    rules = [r for r in RULES if r not in revoked]

    assert outcome("teacher_6a", "parent_6a", rules=rules) == "pedagogical"
    assert outcome("parent_6a", "teacher_6a", rules=rules) == "not_allowed"
    # Only 6A is affected.
    assert outcome("parent_5b", "teacher_5b", rules=rules) == "pedagogical"


# --- whole classes and the whole school ----------------------------------------------


@pytest.mark.parametrize("sender", ["principal", "cpe"])
@pytest.mark.parametrize("group", ["6A", "5B"])
@pytest.mark.parametrize("role", ["students", "teachers", "parents"])
def test_management_and_vie_scolaire_write_to_whole_classes(
    sender: str, group: str, role: Role
) -> None:
    assert reach(sender).may_write_to_audience(group, role)


def test_other_school_staff_write_to_whole_classes() -> None:
    assert reach("secretary").may_write_to_audience("6A", "students")
    assert outcome("secretary", "student_6a") == "pedagogical"


def test_a_teacher_writes_to_own_class_audiences_only() -> None:
    assert reach("teacher_6a").may_write_to_audience("6A", "parents")
    assert reach("teacher_6a").may_write_to_audience("6A", "students")
    assert not reach("teacher_6a").may_write_to_audience("5B", "parents")
    assert not reach("parent_6a").may_write_to_audience("6A", "parents")


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("principal", True),
        ("cpe", True),
        ("teacher_6a", False),
        ("secretary", False),
        ("student_6a", False),
    ],
)
def test_whole_school_sends_are_reserved_to_direction_and_vie_scolaire(
    sender: str, expected: bool
) -> None:
    assert reach(sender).may_write_to_audience(SCHOOL, "students") is expected
    assert reach(sender).may_write_to_audience(SCHOOL, "parents") is expected


def test_whole_school_reservation_holds_even_when_a_rule_names_the_school() -> None:
    # staff → parents of the school exists (administrative), teachers → all students added:
    # individual sends pass, but the whole-school audience stays reserved.
    rules = [*RULES, Rule("extra", "pedagogical", SCHOOL, "teachers", SCHOOL, "students")]
    assert reach("secretary", rules=rules).may_write_to(PEOPLE["parent_5b"]) == "administrative"
    assert not reach("secretary", rules=rules).may_write_to_audience(SCHOOL, "parents")
    assert reach("teacher_6a", rules=rules).may_write_to(PEOPLE["student_5b"]) == "pedagogical"
    assert not reach("teacher_6a", rules=rules).may_write_to_audience(SCHOOL, "students")


# --- substitutes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "covered"),
    [
        (date(2026, 3, 1), False),  # the day before
        (SUB_START, True),
        (date(2026, 3, 9), True),
        (SUB_END, True),
        (date(2026, 3, 14), False),  # the day after
    ],
)
def test_substitute_reaches_the_replaced_classes_only_during_the_period(
    day: date, covered: bool
) -> None:
    expected = "pedagogical" if covered else "not_allowed"
    assert outcome("substitute", "student_5b", day) == expected
    assert outcome("student_5b", "substitute", day) == expected
    assert outcome("substitute", "parent_5b", day) == expected
    assert outcome("parent_5b", "substitute", day) == expected
    assert reach("substitute", day).may_write_to_audience("5B", "students") is covered
    # Visible among the school's teachers during the period only.
    assert outcome("teacher_6a", "substitute", day) == (
        "administrative" if covered else "not_allowed"
    )
    # Never the classes of other teachers.
    assert outcome("substitute", "student_6a_2", day) == "not_allowed"


# --- refusal reasons -----------------------------------------------------------------


@pytest.mark.parametrize(
    "recipient",
    ["student_5b", "teacher_5b", "principal", "frozen_teacher", "student_left", "outsider", "x"],
)
def test_frozen_sender_is_refused_for_every_recipient(recipient: str) -> None:
    assert outcome("frozen_teacher", recipient) == "sender_frozen"


def test_frozen_sender_cannot_even_write_to_an_otherwise_allowed_recipient() -> None:
    decision = reach("frozen_teacher").decide([PEOPLE["student_5b"], PEOPLE["parent_5b"]])
    assert decision.allowed == []
    assert decision.lists == {}
    assert decision.refused == [
        Refusal("student_5b", "sender_frozen"),
        Refusal("parent_5b", "sender_frozen"),
    ]


def test_deactivated_sender_is_refused() -> None:
    assert outcome("student_left", "student_6a") == "sender_inactive"
    assert outcome("student_left", "teacher_6a") == "sender_inactive"


@pytest.mark.parametrize("sender", ["teacher_6a", "principal", "student_6a"])
def test_deactivated_recipient_is_refused_as_inactive(sender: str) -> None:
    assert outcome(sender, "student_left") == "recipient_inactive"


@pytest.mark.parametrize(
    ("sender", "recipient"),
    [
        ("student_5b", "student_left"),  # a student of another class
        ("parent_5b", "student_left"),
        ("teacher_5b", "student_left"),
        ("student_6a_2", "frozen_teacher"),  # frozen, left or not: unreachable first
    ],
)
def test_an_unreachable_recipient_is_not_allowed_whatever_their_state(
    sender: str, recipient: str
) -> None:
    """The rules come before the account's state: nobody learns that someone they may
    not write to has left (issue #10, item 9)."""
    assert outcome(sender, recipient) == "not_allowed"
    assert outcome(sender, recipient) == outcome(sender, "nobody-42")


@pytest.mark.parametrize("recipient", ["outsider", "outsider_left", "nobody-42"])
def test_other_school_and_unknown_ids_answer_alike(recipient: str) -> None:
    assert outcome("teacher_6a", recipient) == "not_allowed"
    assert outcome("principal", recipient) == "not_allowed"


def test_same_group_ids_in_another_school_do_not_connect() -> None:
    assert reach("student_6a").may_write_to(PEOPLE["outsider"]) is None
    assert reach("outsider", rules=RULES).may_write_to(PEOPLE["student_6a"]) is None


# --- decide --------------------------------------------------------------------------


def test_decide_keeps_input_order_and_reports_each_refusal_once() -> None:
    recipients: list[Person | str] = [
        PEOPLE["student_6a"],
        "ghost",
        PEOPLE["parent_6a"],
        PEOPLE["student_5b"],
        PEOPLE["principal"],
        PEOPLE["student_left"],
        PEOPLE["teacher_6a"],
        PEOPLE["outsider"],
        PEOPLE["student_6a_2"],
    ]
    decision = reach("teacher_6a").decide(recipients)

    assert decision.allowed == [
        "student_6a",
        "parent_6a",
        "principal",
        "teacher_6a",
        "student_6a_2",
    ]
    assert decision.refused == [
        Refusal("ghost", "not_allowed"),
        Refusal("student_5b", "not_allowed"),
        Refusal("student_left", "recipient_inactive"),
        Refusal("outsider", "not_allowed"),
    ]
    assert decision.lists == {
        "student_6a": "pedagogical",
        "parent_6a": "pedagogical",
        "principal": "administrative",
        "teacher_6a": "administrative",
        "student_6a_2": "pedagogical",
    }


def test_decide_names_each_list() -> None:
    decision = reach("student_6a_2").decide(
        [PEOPLE["parent_5b"], PEOPLE["teacher_6a"], PEOPLE["student_6a"]]
    )
    assert decision.lists == {
        "parent_5b": "collaborative",
        "teacher_6a": "pedagogical",
        "student_6a": "pedagogical",
    }
    decision = reach("parent_6a").decide([PEOPLE["secretary"], PEOPLE["student_6a"]])
    assert decision.allowed == ["secretary", "student_6a"]
    assert decision.lists == {"secretary": "administrative", "student_6a": "family"}


def test_decide_with_no_recipients_is_empty() -> None:
    decision = reach("teacher_6a").decide([])
    assert (decision.allowed, decision.refused, decision.lists) == ([], [], {})


# --- oneself -------------------------------------------------------------------------


@pytest.mark.parametrize("sender", ["student_6a", "parent_5b", "secretary", "substitute"])
def test_writing_to_oneself_is_allowed(sender: str) -> None:
    assert outcome(sender, sender) == "administrative"


def test_writing_to_oneself_is_allowed_even_without_rules() -> None:
    assert outcome("student_6a", "student_6a", rules=[]) == "administrative"
    assert outcome("student_6a", "parent_6a", rules=[]) == "not_allowed"
