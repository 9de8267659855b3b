"""Mobile pairing through the gateway over HTTP, against the real directory (demo school
seeded) on a real socket: the signed-in page's QR code, the redemption of its code for a
device and a short-lived token, the device's refreshes until it is unpaired, and the
throttle on both exchanges."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from ent_directory.domain.demo_school import SCHOOL_ID, demo_users
from ent_directory.service import SERVICE as DIRECTORY
from ent_directory.settings import DirectorySettings
from ent_gateway import service as gateway_service
from ent_gateway.settings import GatewaySettings
from ent_kit.auth import Identity
from ent_kit.http import create_app
from ent_kit.runtime import Runtime
from kit_fixtures import TEST_KEYS
from opentelemetry.sdk.trace import TracerProvider
from test_gateway_client_limits import free_port

pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

USERS = {u.login: u for u in demo_users()}
STUDENTS = [u for u in USERS.values() if u.profile == "student"]
DEVICE_TTL_S = 600
STARTUP_TIMEOUT_S = 120.0
FREE_FAILURES = 4  # per client address (the tests all come from 127.0.0.1)


def bearer(login: str) -> dict[str, str]:
    user = USERS[login]
    identity = Identity(user_id=user.user_id, profile=user.profile, school_id=SCHOOL_ID)
    return {"authorization": f"Bearer {TEST_KEYS.user_token(identity)}"}


GATEWAY = gateway_service.SERVICE


@dataclasses.dataclass
class Platform:
    gateway: httpx.AsyncClient
    gateway_url: str


async def started(app: Any) -> AsyncIterator[str]:
    """`app` served on a real socket, once its start-up (the directory's demo seed, which
    takes a while on a busy machine) is over."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(STARTUP_TIMEOUT_S):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving


@pytest.fixture(scope="module")
async def directory_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    store: Path = tmp_path_factory.mktemp("pairing-gateway") / "store.db"
    definition = dataclasses.replace(DIRECTORY, uses_broker=False, uses_blobs=False)
    settings = DirectorySettings(
        service_name="directory",
        store_url=f"sqlite://{store}",
        demo_seed=True,
        **TEST_KEYS.settings("directory"),
    )
    async for url in started(create_app(Runtime(definition, settings, TracerProvider()))):
        yield url


async def gateway_on(directory_url: str, **changes: Any) -> AsyncIterator[Platform]:
    settings = GatewaySettings(
        service_name="gateway",
        upstreams=f"directory={directory_url}",
        device_token_ttl_s=DEVICE_TTL_S,
        # Past the free failures, the next attempt certainly waits (no clock in the test).
        sign_in_address_free_failures=FREE_FAILURES,
        sign_in_first_delay_s=600.0,
        **changes,
        **TEST_KEYS.settings("gateway"),
    )
    async for url in started(create_app(Runtime(GATEWAY, settings, TracerProvider()))):
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield Platform(client, url)


@pytest.fixture
async def platform(directory_url: str) -> AsyncIterator[Platform]:
    async for platform in gateway_on(directory_url):
        yield platform


async def qr(platform: Platform, login: str) -> dict[str, Any]:
    response = await platform.gateway.post("/api/auth/pairing", headers=bearer(login))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def redeem(platform: Platform, code: str, name: str = "Téléphone") -> httpx.Response:
    body = {"code": code, "device_name": name}
    return await platform.gateway.post("/api/auth/pairing/redeem", json=body)


async def refresh(platform: Platform, device: dict[str, Any], secret: str = "") -> httpx.Response:
    body = {"device_id": device["device_id"], "device_secret": secret or device["device_secret"]}
    return await platform.gateway.post("/api/auth/device-token", json=body)


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


def reason(response: httpx.Response) -> str:
    body = response.json()
    errors = body.get("errors") or [{}]
    return str(errors[0].get("reason") or body["code"])


async def test_the_page_gets_a_qr_code_holding_the_gateway_and_the_code(
    platform: Platform,
) -> None:
    page = await qr(platform, STUDENTS[0].login)
    assert page["uri"] == f"ent-pairing:{platform.gateway_url}?code={page['code']}"
    svg = ET.fromstring(page["qr_svg"])
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.find("{http://www.w3.org/2000/svg}path") is not None
    expires_at = datetime.fromisoformat(page["expires_at"])
    assert expires_at - datetime.now(UTC) <= timedelta(seconds=120)
    unsigned = await platform.gateway.post("/api/auth/pairing")
    assert unsigned.status_code == 401


async def test_the_qr_code_names_the_public_url_when_set(directory_url: str) -> None:
    async for platform in gateway_on(directory_url, pairing_public_url="https://ent.example"):
        page = await qr(platform, STUDENTS[1].login)
        assert page["uri"] == f"ent-pairing:https://ent.example?code={page['code']}"


async def test_a_redeemed_code_gives_a_device_whose_tokens_stop_once_unpaired(
    platform: Platform,
) -> None:
    login = STUDENTS[2].login
    page = await qr(platform, login)
    paired = await redeem(platform, page["code"], "Téléphone de Léa")
    assert paired.status_code == 201, paired.text
    device = paired.json()
    assert set(device) == {"device_id", "device_secret", "token", "expires_at"}
    token = claims(device["token"])
    assert token["sub"] == USERS[login].user_id
    assert token["exp"] - token["iat"] == DEVICE_TTL_S
    assert datetime.fromisoformat(device["expires_at"]).timestamp() <= token["exp"]
    me = await platform.gateway.get(
        "/api/auth/me", headers={"authorization": f"Bearer {device['token']}"}
    )
    assert me.status_code == 200, me.text
    assert me.json()["user_id"] == USERS[login].user_id

    again = await redeem(platform, page["code"])
    unknown = await redeem(platform, "code-inconnu")
    assert (again.status_code, reason(again)) == (unknown.status_code, reason(unknown))
    assert (again.status_code, reason(again)) == (400, "invalid_code")

    refreshed = await refresh(platform, device)
    assert refreshed.status_code == 200, refreshed.text
    assert claims(refreshed.json()["token"])["sub"] == USERS[login].user_id

    listed = await platform.gateway.get("/api/directory/devices", headers=bearer(login))
    assert [d["name"] for d in listed.json()] == ["Téléphone de Léa"]
    url = f"/api/directory/devices/{device['device_id']}"
    other = await platform.gateway.delete(url, headers=bearer(STUDENTS[3].login))
    assert other.status_code == 404
    assert (await platform.gateway.delete(url, headers=bearer(login))).status_code == 204
    revoked = await refresh(platform, device)
    wrong = await refresh(platform, {"device_id": "inconnu", "device_secret": "x"})
    assert (revoked.status_code, reason(revoked)) == (401, "invalid_device")
    assert (wrong.status_code, reason(wrong)) == (401, "invalid_device")


async def test_guessing_a_devices_secret_is_throttled(platform: Platform) -> None:
    page = await qr(platform, STUDENTS[4].login)
    device = (await redeem(platform, page["code"])).json()
    for _ in range(FREE_FAILURES):
        assert (await refresh(platform, device, "pas-le-secret")).status_code == 401
    throttled = await refresh(platform, device)  # the right secret waits too
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0


async def test_guessing_codes_is_throttled_per_address(platform: Platform) -> None:
    for i in range(FREE_FAILURES):
        assert (await redeem(platform, f"devine-{i}")).status_code == 400
    page = await qr(platform, STUDENTS[5].login)
    throttled = await redeem(platform, page["code"])
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
