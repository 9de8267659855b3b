"""Passwords and sessions of local accounts, through the directory's HTTP API on the seeded
demo school: change mine, sign out everywhere, a reset code from the direction (single use,
short-lived, stored hashed, never in an event or a log line), and frozen accounts kept out.

Each test works on accounts of its own: the seeded school is shared by the module."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from directory_fixtures import DEMO_USERS, Client, SeededDirectory, as_demo_user, seeded_directory
from ent_contracts.directory_api import SIGN_IN_PATH, PasswordCheck, SignInAccount
from ent_directory import texts
from ent_directory.application.credentials import MIN_PASSWORD_LENGTH
from ent_directory.application.passwords import RESETS, ResetRedemption
from ent_directory.domain.demo_school import DEMO_PASSWORD
from ent_directory.service import passwords
from ent_kit.errors import Refused
from ent_kit.scopes import DIRECTORY_SIGN_IN
from ent_kit.storage import Query, find_all
from kit_fixtures import TEST_KEYS
from structlog.testing import capture_logs

STUDENTS = [u for u in DEMO_USERS.values() if u.profile == "student"]
DIRECTOR = "claire.directrice"
NEW_PASSWORD = "un-nouveau-mot-de-passe"
GATEWAY = {
    "authorization": "Bearer " + TEST_KEYS.service_token("gateway", "directory", DIRECTORY_SIGN_IN)
}


@pytest.fixture(scope="module")
async def directory(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SeededDirectory]:
    store = tmp_path_factory.mktemp("directory-passwords") / "store.db"
    async with seeded_directory(store) as seeded:
        yield seeded


@pytest.fixture
def client(directory: SeededDirectory) -> Client:
    return directory.client


async def sign_in(client: Client, login: str, password: str) -> SignInAccount | None:
    check = msgspec.json.encode(PasswordCheck(login=login, password=password))
    response = await client.post(SIGN_IN_PATH, headers=GATEWAY, content=check)
    if response.status_code == 401:
        return None
    assert response.status_code == 200, response.text
    return msgspec.json.decode(response.content, type=SignInAccount)


def refusal(response: Any, status: int = 400) -> tuple[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    if status != 400:
        return "", body["code"]
    (error,) = body["errors"]
    return error["field"], error["reason"]


# --- changing my password ------------------------------------------------------------------


async def test_a_new_password_ends_my_sessions_and_replaces_the_old(client: Client) -> None:
    login = STUDENTS[0].login
    url = "/directory/me/password"
    short = {"current_password": DEMO_PASSWORD, "new_password": "court"}
    wrong = {"current_password": "pas-le-bon-mot", "new_password": NEW_PASSWORD}
    same = {"current_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD}
    missing = {"new_password": NEW_PASSWORD}

    assert refusal(await client.post(url, headers=as_demo_user(login), json=short)) == (
        "new_password",
        "too_short",
    )
    assert refusal(await client.post(url, headers=as_demo_user(login), json=wrong)) == (
        "current_password",
        "wrong_password",
    )
    assert refusal(await client.post(url, headers=as_demo_user(login), json=same)) == (
        "new_password",
        "unchanged",
    )
    assert (await client.post(url, headers=as_demo_user(login), json=missing)).status_code == 400
    good = {"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}
    assert (await client.post(url, headers=as_demo_user(login), json=good)).status_code == 204

    assert await sign_in(client, login, DEMO_PASSWORD) is None
    account = await sign_in(client, login, NEW_PASSWORD)
    assert account is not None
    assert account.session_version == 1
    # The token I changed it with is over; the one signed in since holds.
    assert (await client.get("/directory/me", headers=as_demo_user(login))).status_code == 401
    assert (await client.get("/directory/me", headers=as_demo_user(login, 1))).status_code == 200


async def test_guessing_my_current_password_is_stopped_after_five(client: Client) -> None:
    """A stolen session must not let the thief find the password (and stay in)."""
    login = STUDENTS[1].login
    url = "/directory/me/password"
    wrong = {"current_password": "pas-le-bon-mot", "new_password": NEW_PASSWORD}
    good = {"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}

    for _ in range(5):
        answer = await client.post(url, headers=as_demo_user(login), json=wrong)
        assert refusal(answer) == ("current_password", "wrong_password")
    stopped = await client.post(url, headers=as_demo_user(login), json=good)

    assert refusal(stopped, 429) == ("", "too_many_attempts")
    assert 0 < int(stopped.headers["retry-after"]) <= 15 * 60
    assert await sign_in(client, login, NEW_PASSWORD) is None  # the right one did nothing


async def test_a_service_has_no_password_to_change(client: Client) -> None:
    body = {"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}
    response = await client.post("/directory/me/password", headers=GATEWAY, json=body)
    assert response.status_code == 403


# --- signing out everywhere ----------------------------------------------------------------


async def test_signing_out_everywhere_ends_every_token_of_mine_only(client: Client) -> None:
    me, other = STUDENTS[1].login, STUDENTS[2].login
    response = await client.post("/directory/me/sign-out-everywhere", headers=as_demo_user(me))
    assert response.status_code == 204, response.text

    assert (await client.get("/directory/me", headers=as_demo_user(me))).status_code == 401
    assert (await client.get("/directory/me", headers=as_demo_user(other))).status_code == 200
    account = await sign_in(client, me, DEMO_PASSWORD)
    assert account is not None
    assert account.session_version == 1
    assert (await client.get("/directory/me", headers=as_demo_user(me, 1))).status_code == 200


# --- frozen accounts -----------------------------------------------------------------------


async def test_a_frozen_account_may_not_sign_in_and_its_tokens_end(client: Client) -> None:
    login = "prof.svt"
    user_id = DEMO_USERS[login].user_id
    url = f"/directory/users/{user_id}"
    frozen = await client.post(f"{url}/freeze", headers=as_demo_user(DIRECTOR))
    assert frozen.status_code == 200, frozen.text

    # Refused like a wrong password: nothing tells the account exists.
    assert await sign_in(client, login, DEMO_PASSWORD) is None
    assert (await client.get("/directory/me", headers=as_demo_user(login))).status_code == 401

    assert (await client.post(f"{url}/unfreeze", headers=as_demo_user(DIRECTOR))).status_code == 200
    account = await sign_in(client, login, DEMO_PASSWORD)
    assert account is not None
    assert account.session_version == 1


# --- reset codes ---------------------------------------------------------------------------


async def issue(client: Client, login: str, by: str = DIRECTOR) -> Any:
    return await client.post(
        f"/directory/users/{DEMO_USERS[login].user_id}/password-reset", headers=as_demo_user(by)
    )


async def redeem(client: Client, token: str, password: str = NEW_PASSWORD) -> Any:
    # No bearer: whoever forgot their password has no token.
    return await client.post(
        "/directory/password-reset", json={"token": token, "password": password}
    )


async def test_a_reset_code_sets_a_password_once(directory: SeededDirectory) -> None:
    client, login = directory.client, STUDENTS[3].login
    with capture_logs() as logs:
        issued = await issue(client, login)
        assert issued.status_code == 201, issued.text
        token = issued.json()["token"]
        assert issued.json()["user_id"] == DEMO_USERS[login].user_id

        # A password too short is refused before the code is spent.
        assert refusal(await redeem(client, token, "court")) == ("password", "too_short")
        assert (await redeem(client, token)).status_code == 204
        assert refusal(await redeem(client, token, "encore-un-autre-mot")) == (
            "token",
            "invalid_token",
        )

    account = await sign_in(client, login, NEW_PASSWORD)
    assert account is not None
    assert account.session_version == 1
    assert await sign_in(client, login, DEMO_PASSWORD) is None
    assert (await client.get("/directory/me", headers=as_demo_user(login))).status_code == 401

    # Shown once, kept nowhere: its hash is the key, and no log line nor event holds it.
    assert logs
    assert token not in repr(logs)
    storage = directory.runtime.storage
    events = await storage.events.read_all(0, 100_000)
    assert all(token not in msgspec.json.encode(e.envelope).decode() for e in events)
    reasons = [
        e.envelope.payload["reason"]
        for e in events
        if e.envelope.type == "directory.SessionsEnded"
        and e.envelope.aggregate_id == DEMO_USERS[login].user_id
    ]
    assert reasons == ["password_reset"]


async def test_a_reset_code_is_stored_as_its_hash_and_replaced_by_the_next(
    directory: SeededDirectory,
) -> None:
    client, login = directory.client, STUDENTS[4].login
    first = (await issue(client, login)).json()["token"]
    second = (await issue(client, login)).json()["token"]
    documents = directory.runtime.storage.documents

    stored = [doc async for doc in find_all(documents, RESETS, Query())]
    mine = [doc for doc in stored if doc["user_id"] == DEMO_USERS[login].user_id]
    assert [doc["id"] for doc in mine] == [hashlib.sha256(second.encode()).hexdigest()]
    assert first not in repr(stored)
    assert second not in repr(stored)
    assert refusal(await redeem(client, first)) == ("token", "invalid_token")
    assert (await redeem(client, second)).status_code == 204


async def test_an_expired_reset_code_is_refused_and_spent(directory: SeededDirectory) -> None:
    client, login = directory.client, STUDENTS[5].login
    token = (await issue(client, login)).json()["token"]
    later = datetime.now(UTC) + timedelta(minutes=31)
    late = passwords(directory.runtime, clock=lambda: later)

    with pytest.raises(Refused) as refused:
        await late.redeem(ResetRedemption(token=token, password=NEW_PASSWORD))
    assert (refused.value.field, refused.value.reason) == ("token", "expired_token")
    assert refused.value.message == texts.RESET_TOKEN_EXPIRED
    assert refusal(await redeem(client, token)) == ("token", "invalid_token")
    assert await sign_in(client, login, DEMO_PASSWORD) is not None


async def test_only_the_school_direction_gives_reset_codes(client: Client) -> None:
    assert refusal(await issue(client, STUDENTS[6].login, by="prof.eps"), 403) == (
        "",
        "reserved_to_direction",
    )
    assert refusal(await issue(client, STUDENTS[6].login, by=STUDENTS[7].login), 403) == (
        "",
        "reserved_to_direction",
    )
    unknown = await client.post(
        "/directory/users/nobody-here/password-reset", headers=as_demo_user(DIRECTOR)
    )
    assert refusal(unknown, 404) == ("", "user_not_found")
    anonymous = await client.post(f"/directory/users/{STUDENTS[6].user_id}/password-reset")
    assert anonymous.status_code == 401


async def test_redeeming_needs_a_token_and_a_password(client: Client) -> None:
    response = await client.post("/directory/password-reset", json={"password": NEW_PASSWORD})
    assert response.status_code == 400
    assert "token" in response.text
    short = await redeem(client, "x" * 43, "a" * (MIN_PASSWORD_LENGTH - 1))
    assert refusal(short) == ("password", "too_short")
