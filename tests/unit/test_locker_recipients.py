"""Recipients of a deposit as the sender chose them, checked before the directory decides,
then the lockers it goes into once the directory has decided."""

from __future__ import annotations

import pytest
from ent_contracts.directory_api import MAX_RECIPIENTS, Recipient, RefusedRecipient
from ent_kit.errors import Refused, Unprocessable
from ent_locker.domain.recipients import checked_recipients, lockers_of

ME = "teacher-1"


def refused(entries: list[str], sender_id: str = ME) -> Refused:
    with pytest.raises(Refused) as error:
        checked_recipients(sender_id, entries)
    assert error.value.field == "recipients"
    return error.value


def test_users_and_audiences_are_parsed_in_the_order_chosen() -> None:
    assert checked_recipients(ME, ["student-1", "group:6a:students", "group:6a:parents"]) == [
        Recipient(user_id="student-1"),
        Recipient(group_id="6a", role="students"),
        Recipient(group_id="6a", role="parents"),
    ]


def test_entries_are_trimmed_and_kept_once() -> None:
    chosen = checked_recipients(
        ME, [" student-1 ", "student-1", "", "  ", "group:6a:students", "group:6a:students "]
    )
    assert chosen == [Recipient(user_id="student-1"), Recipient(group_id="6a", role="students")]


@pytest.mark.parametrize("entries", [[], [""], ["  ", "\t"]])
def test_at_least_one_recipient(entries: list[str]) -> None:
    assert refused(entries).reason == "missing"


def test_at_most_max_recipients_once_duplicates_are_gone() -> None:
    assert MAX_RECIPIENTS == 200
    users = [f"student-{i}" for i in range(MAX_RECIPIENTS)]
    assert len(checked_recipients(ME, users + users)) == MAX_RECIPIENTS
    error = refused([*users, "one-too-many"])
    assert error.reason == "too_many"
    assert str(MAX_RECIPIENTS) in error.message


def test_never_oneself() -> None:
    assert refused(["student-1", f" {ME} "]).reason == "oneself"


@pytest.mark.parametrize(
    "token",
    [
        "group:",
        "group:6a",
        "group:6a:",
        "group::students",
        "group:6a:nobody",
        "group:6a:students:extra",
    ],
)
def test_a_malformed_audience_is_refused_by_name(token: str) -> None:
    error = refused(["student-1", token])
    assert error.reason == "malformed"
    assert token in error.message


def test_the_lockers_are_the_allowed_users_once_never_the_sender() -> None:
    assert lockers_of(ME, ["student-1", ME, "student-2", "student-1"]) == ["student-1", "student-2"]


def test_nobody_allowed_is_unprocessable_and_names_the_refused() -> None:
    refusals = [RefusedRecipient(user_id="parent-1", reason="not_allowed")]
    with pytest.raises(Unprocessable) as error:
        lockers_of(ME, [ME], refusals)
    assert (error.value.field, error.value.reason) == ("recipients", "no_allowed_recipients")
    assert error.value.details == {"refused": refusals}
    with pytest.raises(Unprocessable) as error:
        lockers_of(ME, [])
    assert error.value.details == {"refused": []}
