"""Mobile pairing in the directory, through its HTTP API on the seeded demo school: a
one-time pairing code (stored hashed, short-lived, few alive), redeemed by the gateway for
a device with a secret, the device's refresh, the owner's list and unpairing, and the end
of a device with its account's sessions. Codes and secrets never reach an event.

Each test works on accounts of its own: the seeded school is shared by the module."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from directory_fixtures import DEMO_USERS, Client, SeededDirectory, as_demo_user, seeded_directory
from ent_contracts.directory import DevicePaired, DeviceRevoked
from ent_contracts.directory_api import (
    DEVICE_TOKEN_PATH,
    PAIRING_REDEEM_PATH,
    DeviceCredentials,
    PairingRedemption,
)
from ent_directory.application.devices import DEVICE_SECRETS
from ent_directory.application.one_time_codes import code_hash
from ent_directory.application.pairing import PAIRING_CODES
from ent_directory.domain.devices import MAX_LIVE_CODES
from ent_directory.service import SERVICE, pairing
from ent_directory.settings import DirectorySettings
from ent_kit.auth import service_identity
from ent_kit.errors import Refused
from ent_kit.http import create_app
from ent_kit.runtime import Runtime
from ent_kit.scopes import DIRECTORY_REACHABILITY, DIRECTORY_SIGN_IN
from ent_kit.storage import Query, find_all
from kit_fixtures import TEST_KEYS
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider

STUDENTS = [u for u in DEMO_USERS.values() if u.profile == "student"]


def service(scope: str = DIRECTORY_SIGN_IN, caller: str = "gateway") -> dict[str, str]:
    return {"authorization": "Bearer " + TEST_KEYS.service_token(caller, "directory", scope)}


@pytest.fixture(scope="module")
async def directory(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SeededDirectory]:
    async with seeded_directory(
        tmp_path_factory.mktemp("directory-pairing") / "store.db"
    ) as seeded:
        yield seeded


@pytest.fixture
def client(directory: SeededDirectory) -> Client:
    return directory.client


async def new_code(client: Client, login: str, session_version: int = 0) -> str:
    response = await client.post(
        "/directory/pairing-codes", headers=as_demo_user(login, session_version)
    )
    assert response.status_code == 201, response.text
    body = response.json()
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert timedelta(seconds=100) < expires_at - datetime.now(UTC) <= timedelta(seconds=120)
    code: str = body["code"]
    return code


async def redeem(client: Client, code: str, name: str = "Téléphone de Léa") -> Any:
    body = msgspec.json.encode(PairingRedemption(code=code, device_name=name))
    return await client.post(PAIRING_REDEEM_PATH, headers=service(), content=body)


async def refresh(client: Client, device_id: str, secret: str) -> Any:
    body = msgspec.json.encode(DeviceCredentials(device_id=device_id, device_secret=secret))
    return await client.post(DEVICE_TOKEN_PATH, headers=service(), content=body)


def refusal(response: Any, status: int = 400) -> tuple[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    if status != 400:
        return "", body["code"]
    (error,) = body["errors"]
    return error["field"], error["reason"]


async def test_a_code_pairs_one_device_once_and_its_secret_gets_tokens(client: Client) -> None:
    login = STUDENTS[0].login
    code = await new_code(client, login)
    assert len(code) >= 22  # ≥ 128 bits, url-safe
    assert code.replace("-", "").replace("_", "").isalnum()

    paired = await redeem(client, code)
    assert paired.status_code == 200, paired.text
    device = paired.json()
    assert device["account"]["user_id"] == STUDENTS[0].user_id
    assert device["account"]["login"] == login
    assert len(device["device_secret"]) >= 22

    # Once: the same code again is an unknown code.
    assert refusal(await redeem(client, code)) == ("code", "invalid_code")
    assert refusal(await redeem(client, "pas-un-code")) == ("code", "invalid_code")

    token = await refresh(client, device["device_id"], device["device_secret"])
    assert token.status_code == 200, token.text
    assert token.json()["user_id"] == STUDENTS[0].user_id
    assert refusal(await refresh(client, device["device_id"], "mauvais"), 401) == (
        "",
        "invalid_device",
    )
    assert refusal(await refresh(client, "inconnu", device["device_secret"]), 401) == (
        "",
        "invalid_device",
    )

    listed = (await client.get("/directory/devices", headers=as_demo_user(login))).json()
    assert [d["device_id"] for d in listed] == [device["device_id"]]
    assert listed[0]["name"] == "Téléphone de Léa"
    assert listed[0]["last_used_at"] is not None


async def test_unpairing_stops_the_device_and_is_for_its_owner_alone(client: Client) -> None:
    owner, other = STUDENTS[1].login, STUDENTS[2].login
    device = (await redeem(client, await new_code(client, owner))).json()
    url = f"/directory/devices/{device['device_id']}"

    # Someone else's device is as unknown as a made-up one.
    assert refusal(await client.delete(url, headers=as_demo_user(other)), 404) == (
        "",
        "device_not_found",
    )
    assert (await refresh(client, device["device_id"], device["device_secret"])).status_code == 200

    assert (await client.delete(url, headers=as_demo_user(owner))).status_code == 204
    assert refusal(await refresh(client, device["device_id"], device["device_secret"]), 401) == (
        "",
        "invalid_device",
    )
    assert (await client.get("/directory/devices", headers=as_demo_user(owner))).json() == []
    assert (await client.delete(url, headers=as_demo_user(owner))).status_code == 404


async def test_an_expired_code_is_refused_and_spent(directory: SeededDirectory) -> None:
    code = await new_code(directory.client, STUDENTS[3].login)
    later = datetime.now(UTC) + timedelta(seconds=121)
    late = pairing(directory.runtime, clock=lambda: later)
    redemption = PairingRedemption(code=code, device_name="Tablette")
    with pytest.raises(Refused) as refused:
        await late.redeem(service_identity("gateway"), redemption)
    assert (refused.value.field, refused.value.reason) == ("code", "expired_code")
    assert refusal(await redeem(directory.client, code)) == ("code", "invalid_code")


async def test_expired_codes_are_purged_and_live_ones_kept(directory: SeededDirectory) -> None:
    login = STUDENTS[8].login
    code = await new_code(directory.client, login)
    documents = directory.runtime.storage.documents
    now = pairing(directory.runtime)
    await now.purge_expired()
    assert await documents.get(PAIRING_CODES, code_hash(code)) is not None
    later = datetime.now(UTC) + timedelta(seconds=121)
    assert await pairing(directory.runtime, clock=lambda: later).purge_expired() >= 1
    assert await documents.get(PAIRING_CODES, code_hash(code)) is None


async def test_the_code_ttl_is_a_setting(tmp_path: Any) -> None:
    settings = DirectorySettings(
        service_name="directory",
        store_url=f"sqlite://{tmp_path / 'store.db'}",
        pairing_code_ttl_s=30,
        **TEST_KEYS.settings("directory"),
    )
    definition = dataclasses.replace(SERVICE, uses_broker=False, uses_blobs=False)
    runtime = Runtime(definition, settings, TracerProvider())
    async with AsyncTestClient(create_app(runtime)) as client:
        response = await client.post(
            "/directory/pairing-codes", headers=as_demo_user("lucas.martin")
        )
    assert response.status_code == 201, response.text
    expires_at = datetime.fromisoformat(response.json()["expires_at"])
    assert timedelta(seconds=20) < expires_at - datetime.now(UTC) <= timedelta(seconds=30)


async def test_codes_are_few_alive_and_stored_only_hashed(directory: SeededDirectory) -> None:
    login = STUDENTS[4].login
    codes = [await new_code(directory.client, login) for _ in range(MAX_LIVE_CODES + 1)]
    documents = directory.runtime.storage.documents
    query = Query(where={"user_id": DEMO_USERS[login].user_id})
    stored = {doc["id"] async for doc in find_all(documents, PAIRING_CODES, query)}
    assert stored == {code_hash(c) for c in codes[1:]}  # the oldest stopped working
    assert refusal(await redeem(directory.client, codes[0])) == ("code", "invalid_code")
    device = (await redeem(directory.client, codes[-1])).json()
    secret_doc = await documents.get(DEVICE_SECRETS, device["device_id"])
    assert secret_doc is not None
    assert secret_doc["hash"] == code_hash(device["device_secret"])

    # The events tell who paired what, never a code or a secret.
    log = await directory.runtime.storage.events.read_all(0, limit=100_000)
    pairing_events = [e for e in log if e.envelope.type.startswith("directory.Device")]
    assert pairing_events
    raw = b"".join(msgspec.json.encode(e.envelope) for e in log)
    for secret in [*codes, device["device_secret"], code_hash(device["device_secret"])]:
        assert secret.encode() not in raw


async def test_a_device_ends_with_its_accounts_sessions(client: Client) -> None:
    """Signing out everywhere (or a new password, a freeze) ends paired devices too."""
    login = STUDENTS[5].login
    device = (await redeem(client, await new_code(client, login))).json()
    pending = await new_code(client, login)
    ended = await client.post("/directory/me/sign-out-everywhere", headers=as_demo_user(login))
    assert ended.status_code == 204
    assert refusal(await refresh(client, device["device_id"], device["device_secret"]), 401) == (
        "",
        "invalid_device",
    )
    # A code asked for before does not pair any more.
    assert refusal(await redeem(client, pending)) == ("code", "invalid_code")
    assert (await client.get("/directory/devices", headers=as_demo_user(login, 1))).json() == []


async def test_device_names_are_checked_before_the_code_is_spent(client: Client) -> None:
    code = await new_code(client, STUDENTS[6].login)
    assert refusal(await redeem(client, code, "  ")) == ("device_name", "missing")
    assert refusal(await redeem(client, code, "x" * 65)) == ("device_name", "too_long")
    assert refusal(await redeem(client, code, "a\u202eb")) == (
        "device_name",
        "invalid_characters",
    )
    assert (await redeem(client, code, "  iPhone  ")).status_code == 200


async def test_exchanges_are_the_gateways_and_codes_are_for_people(client: Client) -> None:
    code = await new_code(client, STUDENTS[7].login)
    body = msgspec.json.encode(PairingRedemption(code=code, device_name="x"))
    as_student = await client.post(
        PAIRING_REDEEM_PATH, headers=as_demo_user("lucas.martin"), content=body
    )
    assert as_student.status_code == 403
    as_mail = await client.post(
        PAIRING_REDEEM_PATH, headers=service(DIRECTORY_REACHABILITY, "mail"), content=body
    )
    assert as_mail.status_code == 403
    as_gateway = await client.post("/directory/pairing-codes", headers=service())
    assert as_gateway.status_code == 403
    assert (await client.get("/directory/devices")).status_code == 401
    # Not spent by the refused calls.
    assert (await redeem(client, code)).status_code == 200


def test_pairing_events_are_registered_without_secrets() -> None:
    for event in (DevicePaired, DeviceRevoked):
        fields = set(event.__struct_fields__)
        assert not fields & {"code", "device_secret", "hash"}
