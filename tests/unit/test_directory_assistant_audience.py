"""The recipient assistant expands only the audiences the caller may address as a whole
(security issue #10, item 5): a hijacked account must not list a whole school, or another
class, to write to them by the hundred. On the seeded demo school, over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from directory_fixtures import Client, bearer, running_directory
from ent_directory import texts
from ent_directory.domain.demo_school import CLASS_IDS, LATIN, SCHOOL_ID, THEATRE, demo_users
from ent_kit.auth import Identity

USERS = {u.login: u for u in demo_users()}
STUDENTS = [u for u in USERS.values() if u.profile == "student"]
STUDENT_6A = next(u for u in STUDENTS if "6A" in u.classes)
PARENT_6A = next(u for u in USERS.values() if STUDENT_6A.login in u.children)
PARENTS = [u for u in USERS.values() if u.profile == "parent"]
MEMBERS = "/directory/assistant/members"


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    store = tmp_path_factory.mktemp("directory-assistant") / "store.db"
    async with running_directory(store, demo_seed=True) as test_client:
        yield test_client


def as_user(login: str) -> dict[str, str]:
    user = USERS[login]
    return bearer(Identity(user_id=user.user_id, profile=user.profile, school_id=SCHOOL_ID))


async def expand(client: Client, login: str, group_id: str, role: str) -> Any:
    params = {"group_id": group_id, "role": role}
    return await client.get(MEMBERS, headers=as_user(login), params=params)


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["errors"][0]["field"] == "group_id"
    return body


def without_instance(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "instance"}


@pytest.mark.parametrize(
    ("login", "role"),
    [
        (STUDENT_6A.login, "students"),
        (PARENT_6A.login, "parents"),
        ("prof.remplacant", "teachers"),  # a teacher who only substitutes
        ("prof.eps", "parents"),  # a teacher of every class, who may write to each parent
    ],
)
async def test_the_whole_school_is_refused_to_who_may_not_address_it(
    client: Client, login: str, role: str
) -> None:
    body = refused(await expand(client, login, SCHOOL_ID, role), 403, "reserved_to_management")
    assert body["title"] == texts.WHOLE_SCHOOL_RESERVED


@pytest.mark.parametrize(
    ("login", "group", "role"),
    [
        (STUDENT_6A.login, "5A", "students"),
        (STUDENT_6A.login, "6A", "parents"),
        (PARENT_6A.login, "5A", "teachers"),
        ("prof.eps", LATIN, "students"),  # a teacher outside that teaching group
        ("prof.eps", THEATRE, "members"),
    ],
)
async def test_another_audience_answers_like_an_unknown_group(
    client: Client, login: str, group: str, role: str
) -> None:
    group_id = CLASS_IDS.get(group, group)
    other = refused(await expand(client, login, group_id, role), 404, "audience_not_found")
    unknown = refused(
        await expand(client, login, str(uuid.uuid4()), role), 404, "audience_not_found"
    )
    assert without_instance(other) == without_instance(unknown)
    assert other["title"] == texts.AUDIENCE_NOT_FOUND


async def test_a_family_is_never_expanded_as_an_audience(client: Client) -> None:
    refused(
        await expand(client, "claire.directrice", SCHOOL_ID, "family"),
        403,
        "reserved_to_management",
    )


@pytest.mark.parametrize(
    ("login", "group", "role", "expected"),
    [
        (STUDENT_6A.login, "6A", "students", {u.user_id for u in STUDENTS if "6A" in u.classes}),
        (PARENT_6A.login, "6A", "teachers", None),  # the class's teachers, checked below
        ("prof.eps", "5A", "parents", None),
    ],
)
async def test_the_audiences_the_assistant_lists_still_expand(
    client: Client, login: str, group: str, role: str, expected: set[str] | None
) -> None:
    listed = await client.get("/directory/assistant", headers=as_user(login))
    assert (CLASS_IDS[group], role) in {(a["group_id"], a["role"]) for a in listed.json()}

    response = await expand(client, login, CLASS_IDS[group], role)
    assert response.status_code == 200, response.text
    members = {m["user_id"] for m in response.json()}
    assert members
    if expected is not None:
        assert members == expected


async def test_management_still_expands_the_whole_school(client: Client) -> None:
    for login in ("claire.directrice", "marc.cpe"):
        response = await expand(client, login, SCHOOL_ID, "parents")
        assert response.status_code == 200, response.text
        assert {m["user_id"] for m in response.json()} == {p.user_id for p in PARENTS}
