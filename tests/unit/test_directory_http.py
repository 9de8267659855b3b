"""The directory's HTTP API in-process, on the seeded demo school: refusals through the kit's
one mapping (French messages, stable codes), the typed contract with the other services,
and freezing without a body."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from directory_fixtures import Client, bearer, running_directory, service_bearer
from ent_contracts.directory_api import (
    ACCOUNT_PATH,
    REACHABILITY_PATH,
    SIGN_IN_PATH,
    PasswordCheck,
    ReachabilityRequest,
    Recipient,
    SignInAccount,
    Verdict,
)
from ent_directory import texts
from ent_directory.domain.demo_school import CLASS_IDS, DEMO_PASSWORD, SCHOOL_ID, demo_users
from ent_kit.auth import Identity
from ent_kit.scopes import DIRECTORY_ACCOUNT, DIRECTORY_REACHABILITY, DIRECTORY_SIGN_IN

USERS = {u.login: u for u in demo_users()}
STUDENTS = [u for u in USERS.values() if u.profile == "student"]


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    """The directory on the seeded demo school, shared by this module's tests."""
    store = tmp_path_factory.mktemp("directory-http") / "store.db"
    async with running_directory(store, demo_seed=True) as test_client:
        yield test_client


def as_user(login: str) -> dict[str, str]:
    user = USERS[login]
    return bearer(Identity(user_id=user.user_id, profile=user.profile, school_id=SCHOOL_ID))


# What mail and the gateway send: each a token for the one operation it asks.
REACHABILITY_TOKEN = service_bearer("mail", "directory", DIRECTORY_REACHABILITY)
SIGN_IN_TOKEN = service_bearer("gateway", "directory", DIRECTORY_SIGN_IN)
ACCOUNT_TOKEN = service_bearer("gateway", "directory", DIRECTORY_ACCOUNT)
DIRECTOR = "claire.directrice"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def same_answer(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {k: v for k, v in a.items() if k != "instance"} == {
        k: v for k, v in b.items() if k != "instance"
    }


# --- freezing -----------------------------------------------------------------------------


async def test_freeze_without_a_body_freezes_with_no_reason(client: Client) -> None:
    teacher = USERS["prof.eps"]
    url = f"/directory/users/{teacher.user_id}"

    frozen = await client.post(f"{url}/freeze", headers=as_user(DIRECTOR))
    assert frozen.status_code == 200, frozen.text
    assert (frozen.json()["user_id"], frozen.json()["frozen"]) == (teacher.user_id, True)
    again = await client.post(f"{url}/freeze", headers=as_user(DIRECTOR), json={"reason": "x"})
    assert again.json()["frozen"] is True  # already frozen: nothing new, same answer
    unfrozen = await client.post(f"{url}/unfreeze", headers=as_user(DIRECTOR))
    assert unfrozen.status_code == 200, unfrozen.text
    assert unfrozen.json()["frozen"] is False


async def test_freeze_with_a_body_that_is_not_an_object_names_the_body(client: Client) -> None:
    url = f"/directory/users/{USERS['prof.eps'].user_id}/freeze"
    headers = {**as_user(DIRECTOR), "content-type": "application/json"}

    for content in (b"nope", b"[1]"):
        refused = problem(await client.post(url, headers=headers, content=content), 400)
        assert [e["field"] for e in refused["errors"]] == ["body"], content


async def test_freeze_is_reserved_to_the_direction_of_the_school(client: Client) -> None:
    student = STUDENTS[0]
    url = f"/directory/users/{student.user_id}/freeze"

    by_teacher = problem(await client.post(url, headers=as_user("prof.anglais")), 403)
    assert by_teacher["code"] == "reserved_to_direction"
    assert by_teacher["title"] == texts.RESERVED_TO_DIRECTION
    unknown = f"/directory/users/{uuid.uuid4()}/freeze"
    absent = problem(await client.post(unknown, headers=as_user(DIRECTOR)), 404)
    assert absent["code"] == "user_not_found"
    assert absent["title"] == texts.USER_NOT_FOUND
    # No service manages accounts: a service token opens no management route.
    by_service = problem(await client.post(unknown, headers=REACHABILITY_TOKEN), 403)
    assert by_service["code"] == "scope_missing"


# --- rules ----------------------------------------------------------------------------------


async def test_revoking_an_unknown_rule_names_the_rule(client: Client) -> None:
    url = f"/directory/schools/{SCHOOL_ID}/rules/no-such-rule"
    refused = problem(await client.delete(url, headers=as_user(DIRECTOR)), 400)
    assert refused["errors"] == [
        {"field": "rule_id", "reason": "unknown_rule", "message": texts.UNKNOWN_RULE}
    ]
    other_school = "/directory/schools/another-school/rules"
    assert problem(await client.get(other_school, headers=as_user(DIRECTOR)), 403)["code"] == (
        "reserved_to_direction"
    )


async def test_granting_a_permission_granted_under_another_list_answers_that_rule(
    client: Client,
) -> None:
    """Once answered with a new id no rule had, which the direction could then not revoke."""
    url = f"/directory/schools/{SCHOOL_ID}/rules"
    headers = as_user(DIRECTOR)
    permits = {
        "sender_scope": SCHOOL_ID,
        "sender_role": "parents",
        "recipient_scope": SCHOOL_ID,
        "recipient_role": "teachers",
    }
    first = await client.post(url, headers=headers, json={"list_kind": "family", **permits})
    again = await client.post(url, headers=headers, json={"list_kind": "pedagogical", **permits})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    revoked = await client.delete(f"{url}/{again.json()['rule_id']}", headers=headers)
    assert revoked.status_code == 204


# --- the reachability contract ----------------------------------------------------------------


async def test_reachability_decodes_the_request_and_answers_a_verdict(client: Client) -> None:
    student, classmate = [u for u in STUDENTS if "6A" in u.classes][:2]
    other_class = next(u for u in STUDENTS if "5A" in u.classes)
    request = ReachabilityRequest(
        sender_id=student.user_id,
        recipients=[
            Recipient(user_id=classmate.user_id),
            Recipient(user_id=other_class.user_id),
            Recipient(group_id=CLASS_IDS["5A"], role="students"),
        ],
    )
    response = await client.post(
        REACHABILITY_PATH, headers=REACHABILITY_TOKEN, content=msgspec.json.encode(request)
    )
    assert response.status_code == 200, response.text
    verdict = msgspec.json.decode(response.content, type=Verdict)
    assert verdict.allowed == [classmate.user_id]
    assert [(r.user_id, r.group_id, r.reason) for r in verdict.refused] == [
        (None, CLASS_IDS["5A"], "not_allowed"),
        (other_class.user_id, None, "not_allowed"),
    ]
    assert verdict.expansions == {}  # a refused audience is never expanded


async def test_reachability_says_whom_each_audience_stood_for(client: Client) -> None:
    director = USERS[DIRECTOR]
    sixth = sorted(u.user_id for u in STUDENTS if "6A" in u.classes)
    audience = Recipient(group_id=CLASS_IDS["6A"], role="students")
    request = ReachabilityRequest(sender_id=director.user_id, recipients=[audience])
    response = await client.post(
        REACHABILITY_PATH, headers=REACHABILITY_TOKEN, content=msgspec.json.encode(request)
    )
    verdict = msgspec.json.decode(response.content, type=Verdict)
    assert audience.entry() == f"group:{CLASS_IDS['6A']}:students"
    assert sorted(verdict.expansions[audience.entry()]) == sixth


async def test_reachability_refusals_name_the_field_in_french(client: Client) -> None:
    one = {"recipients": [{"user_id": STUDENTS[0].user_id}]}

    no_sender = problem(
        await client.post(REACHABILITY_PATH, headers=REACHABILITY_TOKEN, json=one), 400
    )
    assert no_sender["errors"] == [
        {"field": "sender_id", "reason": "missing", "message": texts.SENDER_REQUIRED}
    ]
    on_behalf = {**one, "sender_id": STUDENTS[1].user_id}
    forbidden = await client.post(REACHABILITY_PATH, headers=as_user("prof.svt"), json=on_behalf)
    assert problem(forbidden, 403)["title"] == texts.OWN_SENDS_ONLY
    too_many = {"recipients": [{"user_id": str(i)} for i in range(201)]}
    crowded = await client.post(REACHABILITY_PATH, headers=as_user("prof.svt"), json=too_many)
    assert [(e["field"], e["reason"]) for e in problem(crowded, 400)["errors"]] == [
        ("recipients", "too_many")
    ]
    both = {"recipients": [{"user_id": "u", "group_id": CLASS_IDS["6A"], "role": "students"}]}
    malformed = await client.post(REACHABILITY_PATH, headers=as_user("prof.svt"), json=both)
    assert problem(malformed, 400)["code"] == "validation_failed"


async def test_search_refusal_is_in_french(client: Client) -> None:
    response = await client.get(
        "/directory/search", headers=as_user("prof.svt"), params={"q": "ab "}
    )
    assert problem(response, 400)["errors"] == [
        {"field": "q", "reason": "too_short", "message": texts.SEARCH_TOO_SHORT}
    ]


# --- the gateway's sign-in look-ups ----------------------------------------------------------


async def test_sign_in_answers_a_sign_in_account_to_services_only(client: Client) -> None:
    student = STUDENTS[0]
    good = PasswordCheck(login=student.login.upper(), password=DEMO_PASSWORD)
    response = await client.post(
        SIGN_IN_PATH, headers=SIGN_IN_TOKEN, content=msgspec.json.encode(good)
    )
    assert response.status_code == 200, response.text
    account = msgspec.json.decode(response.content, type=SignInAccount)
    assert account == SignInAccount(
        user_id=student.user_id,
        login=student.login,
        display_name=f"{student.first_name} {student.last_name}",
        profile="student",
        school_id=SCHOOL_ID,
        active=True,
        frozen=False,
    )

    wrong = {"login": student.login, "password": "nope-nope"}
    unknown = {"login": "nobody.here", "password": "nope-nope"}
    refusals = [
        problem(await client.post(SIGN_IN_PATH, headers=SIGN_IN_TOKEN, json=body), 401)
        for body in (wrong, unknown)
    ]
    assert refusals[0]["code"] == "invalid_credentials"
    assert refusals[0]["title"] == texts.INVALID_CREDENTIALS
    assert same_answer(*refusals)
    by_user = await client.post(SIGN_IN_PATH, headers=as_user(student.login), json=wrong)
    assert problem(by_user, 403)["title"] == texts.RESERVED_TO_SERVICES


async def test_account_by_login_answers_a_sign_in_account_to_services_only(
    client: Client,
) -> None:
    director = USERS[DIRECTOR]
    url = ACCOUNT_PATH.format(login=director.login)

    response = await client.get(url, headers=ACCOUNT_TOKEN)
    assert response.status_code == 200, response.text
    account = msgspec.json.decode(response.content, type=SignInAccount)
    assert (account.user_id, account.profile, account.active) == (director.user_id, "staff", True)
    missing = ACCOUNT_PATH.format(login="nobody.here")
    assert problem(await client.get(missing, headers=ACCOUNT_TOKEN), 404)["code"] == (
        "account_not_found"
    )
    refused = problem(await client.get(url, headers=as_user(DIRECTOR)), 403)
    assert refused["code"] == "services_only"


# --- favourites --------------------------------------------------------------------------------


async def test_someone_elses_favourite_and_an_unknown_one_answer_alike(client: Client) -> None:
    owner, other = as_user("prof.anglais"), as_user("prof.francais")
    body = {
        "name": "  Parents 6A  ",
        "recipients": [{"group_id": CLASS_IDS["6A"], "role": "parents"}],
    }
    created = await client.post("/directory/favourites", headers=owner, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Parents 6A"
    url = f"/directory/favourites/{created.json()['favourite_id']}"
    unknown = f"/directory/favourites/{uuid.uuid4()}"

    not_yours = problem(await client.put(url, headers=other, json=body), 404)
    assert not_yours["code"] == "favourite_not_found"
    assert not_yours["title"] == texts.FAVOURITE_NOT_FOUND
    assert same_answer(not_yours, problem(await client.put(unknown, headers=other, json=body), 404))
    assert same_answer(not_yours, problem(await client.delete(url, headers=other), 404))
    assert same_answer(not_yours, problem(await client.delete(unknown, headers=other), 404))

    renamed = await client.put(url, headers=owner, json={**body, "name": "Réunion"})
    assert renamed.status_code == 200, renamed.text
    mine = (await client.get("/directory/favourites", headers=owner)).json()
    assert [f["name"] for f in mine if f["favourite_id"] == renamed.json()["favourite_id"]] == [
        "Réunion"
    ]
    assert (await client.delete(url, headers=owner)).status_code == 204
    assert same_answer(not_yours, problem(await client.put(url, headers=owner, json=body), 404))
