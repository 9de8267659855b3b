"""The services' HTTP client keeps no cookie: the gateway's one client serves every user."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from ent_kit.http_client import http_client


async def sets_then_echoes(request: web.Request) -> web.Response:
    response = web.json_response({"cookie": request.headers.get("cookie", "")})
    response.set_cookie("sid", f"session-of-{request.query['user']}", path="/")
    return response


@pytest.fixture
async def service() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/me", sets_then_echoes)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    # A host name, not an address: aiohttp keeps no cookie from an IP address anyway.
    yield f"http://localhost:{port}"
    await runner.cleanup()


@pytest.mark.parametrize("at_first_call", [False, True])
async def test_a_cookie_set_for_one_caller_is_not_sent_for_the_next(
    service: str, at_first_call: bool
) -> None:
    client = http_client(httpx.Timeout(5.0), at_first_call=at_first_call)
    try:
        alice = await client.get(f"{service}/me", params={"user": "alice"})
        bob = await client.get(f"{service}/me", params={"user": "bob"})
    finally:
        await client.aclose()

    # Alice's answer still carries its Set-Cookie, for the gateway to relay to her.
    assert "session-of-alice" in alice.headers["set-cookie"]
    assert bob.json() == {"cookie": ""}
    assert not client.cookies
