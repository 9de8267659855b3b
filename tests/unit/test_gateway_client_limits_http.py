"""Through the whole gateway over HTTP: a signed-in user with more slow downloads under way
than `ENT_MAX_CONCURRENT_PER_CLIENT` gets 429 with Retry-After for the extra ones, while
another user is served at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from ent_gateway import service as gateway_service
from ent_gateway.settings import GatewaySettings
from ent_kit.auth import Identity
from ent_kit.http import create_app
from ent_kit.runtime import Runtime
from kit_fixtures import TEST_KEYS
from opentelemetry.sdk.trace import TracerProvider
from test_gateway_client_limits import SlowService, free_port, service

__all__ = ["service"]
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

ALICE = Identity(user_id="student-1", profile="student", school_id="school-1")
BOB = Identity(user_id="student-2", profile="student", school_id="school-1")


def signed_in(identity: Identity) -> dict[str, str]:
    return {"authorization": f"Bearer {TEST_KEYS.user_token(identity)}"}


async def open_download(gateway: httpx.AsyncClient, identity: Identity) -> httpx.Response:
    """A download whose headers arrived, its body left to read."""
    request = gateway.build_request("GET", "/api/locker/slow", headers=signed_in(identity))
    return await gateway.send(request, stream=True)


@pytest.fixture
async def gateway(service: SlowService) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(
        service_name="gateway",
        upstreams=f"locker={service.url}",
        max_concurrent_per_client=2,
        **TEST_KEYS.settings("gateway"),
    )
    runtime = Runtime(gateway_service.SERVICE, settings, TracerProvider())
    port = free_port()
    config = uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_config=None)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        yield client
    service.go.set()
    server.should_exit = True
    await serving


async def test_extra_slow_downloads_get_429_while_another_user_is_served(
    service: SlowService, gateway: httpx.AsyncClient
) -> None:
    slow = [await open_download(gateway, ALICE) for _ in range(2)]
    try:
        assert [r.status_code for r in slow] == [200, 200]
        extra = await gateway.get("/api/locker/slow", headers=signed_in(ALICE))
        assert extra.status_code == 429, extra.text
        assert extra.headers["retry-after"] == "1"
        assert extra.json()["code"] == "too_many_requests"

        other = await gateway.get("/api/locker/fast", headers=signed_in(BOB))
        assert (other.status_code, other.content) == (200, b"fast")
        assert not service.go.is_set()  # Alice's downloads are still under way

        service.go.set()
        assert [await r.aread() for r in slow] == [b"first,rest"] * 2
    finally:
        for response in slow:
            await response.aclose()
    again = await gateway.get("/api/locker/fast", headers=signed_in(ALICE))
    assert again.status_code == 200  # her places were given back
