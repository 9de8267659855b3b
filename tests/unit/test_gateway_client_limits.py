"""The gateway's connection pool to the services cannot be held by a few clients: each
client has a bounded number of requests under way (429 with Retry-After beyond), and a
client that stops reading a download loses its connection to the service.

Real HTTP on loopback: a service that streams a download as slowly as the test says
(uvicorn, in this process), the gateway's `Upstreams` in front of it, and the whole
gateway app for the HTTP answer."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from ent_gateway.adapters.upstreams import Forwarded, PoolLimits, Upstreams
from ent_gateway.application.client_limits import client_key
from ent_kit.errors import TooMany
from ent_kit.peers import PeerUnavailable

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

ALICE, BOB = client_key("alice", "10.0.0.1"), client_key("bob", "10.0.0.1")


@dataclass
class SlowService:
    """`/slow`: headers and a first chunk at once, the rest once `go` is set (or, for
    `/endless`, chunks for as long as the gateway takes them); `/fast`: answered at once."""

    url: str = ""
    go: asyncio.Event = field(default_factory=asyncio.Event)
    started: int = 0

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self.started += 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if scope["path"].endswith("/fast"):
            await send({"type": "http.response.body", "body": b"fast"})
            return
        if scope["path"].endswith("/endless"):
            await self._endless(receive, send)
            return
        await send({"type": "http.response.body", "body": b"first,", "more_body": True})
        await self.go.wait()
        await send({"type": "http.response.body", "body": b"rest"})

    async def _endless(self, receive: Receive, send: Send) -> None:
        gone = asyncio.Event()

        async def until_disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        listening = asyncio.create_task(until_disconnected())
        while not (self.go.is_set() or gone.is_set()):
            await send({"type": "http.response.body", "body": b"x" * 65536, "more_body": True})
            await asyncio.sleep(0)  # a send to a gone client returns at once
        listening.cancel()
        await send({"type": "http.response.body", "body": b""})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def service() -> AsyncIterator[SlowService]:
    app = SlowService()
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
    app.url = f"http://127.0.0.1:{port}"
    yield app
    app.go.set()
    server.should_exit = True
    await serving


async def read_all(answer: Forwarded) -> bytes:
    try:
        return b"".join([chunk async for chunk in answer.body])
    finally:
        await answer.close()


async def test_a_client_beyond_its_limit_gets_429_while_another_is_served(
    service: SlowService,
) -> None:
    # Room in the pool for one more than a client's share: without the share, the slow
    # downloads of one client take the whole pool and the other waits for a connection.
    limits = PoolLimits(max_concurrent_per_client=2, max_connections=3, pool_wait_s=30)
    upstreams = Upstreams({"locker": service.url}, 30, limits)
    try:
        slow = [
            await upstreams.forward("GET", f"{service.url}/slow", {}, None, client=ALICE)
            for _ in range(2)
        ]
        with pytest.raises(TooMany) as refused:
            await upstreams.forward("GET", f"{service.url}/slow", {}, None, client=ALICE)
        assert (refused.value.reason, refused.value.retry_after_s) == ("too_many_requests", 1)
        assert service.started == 2  # the refused one never reached the service

        # Bob is served while Alice's downloads still hang.
        fast = await upstreams.forward("GET", f"{service.url}/fast", {}, None, client=BOB)
        assert (fast.status_code, await read_all(fast)) == (200, b"fast")
        assert not service.go.is_set()

        service.go.set()
        assert [await read_all(answer) for answer in slow] == [b"first,rest"] * 2
        assert upstreams.clients.under_way(ALICE) == 0  # given back once sent
        again = await upstreams.forward("GET", f"{service.url}/fast", {}, None, client=ALICE)
        assert await read_all(again) == b"fast"
    finally:
        await upstreams.close()


async def test_a_request_that_fails_gives_its_place_back(service: SlowService) -> None:
    limits = PoolLimits(max_concurrent_per_client=1, connect_s=5)
    upstreams = Upstreams({"locker": service.url}, 30, limits)
    nowhere = f"http://127.0.0.1:{free_port()}/fast"  # nothing listens there
    try:
        for _ in range(2):
            with pytest.raises(PeerUnavailable):
                await upstreams.forward("GET", nowhere, {}, None, client=ALICE)
        assert upstreams.clients.under_way(ALICE) == 0
    finally:
        await upstreams.close()


async def test_a_client_that_stops_reading_gives_its_connection_back(
    service: SlowService,
) -> None:
    """A pool of one connection: a download whose client stopped reading is cut, and the
    next request gets the connection (before, it waited for the pool until it gave up)."""
    limits = PoolLimits(max_connections=1, pool_wait_s=30, client_send_s=0.05)
    upstreams = Upstreams({"locker": service.url}, 30, limits)
    try:
        stalled = await upstreams.forward("GET", f"{service.url}/endless", {}, None, client=ALICE)
        assert await anext(aiter(stalled.body))  # one chunk taken, then no more
        fast = await upstreams.forward("GET", f"{service.url}/fast", {}, None, client=BOB)
        assert await read_all(fast) == b"fast"
        assert stalled.response.is_closed
        await stalled.close()
    finally:
        await upstreams.close()


def test_the_client_is_the_signed_in_user_else_the_address() -> None:
    assert client_key("alice", "10.0.0.1") == client_key("alice", "10.0.0.2")
    assert client_key(None, "10.0.0.1") != client_key(None, "10.0.0.2")
    assert client_key(None, "10.0.0.1") != client_key("10.0.0.1", "10.0.0.1")


__all__ = ["httpx"]


async def test_requests_cancelled_while_they_wait_for_a_connection_give_their_place_back(
    service: SlowService,
) -> None:
    """A home block's timeout or a client gone cancels the call, sometimes just as the pool
    hands it a connection: httpcore's pool then kept that connection taken for good
    (encode/httpcore#1093), and after enough of them the gateway answered nothing."""
    limits = PoolLimits(max_connections=4, pool_wait_s=2)
    upstreams = Upstreams({"locker": service.url}, 30, limits)
    try:
        for round_ in range(300):
            calls = [
                asyncio.create_task(upstreams.forward("GET", f"{service.url}/fast", {}, None))
                for _ in range(12)
            ]
            await asyncio.sleep(0.0005 * (round_ % 20))  # cut at every step of a call
            for call in calls:
                call.cancel()
            for outcome in await asyncio.gather(*calls, return_exceptions=True):
                if isinstance(outcome, Forwarded):
                    await outcome.close()
        answers = [
            await upstreams.forward("GET", f"{service.url}/fast", {}, None) for _ in range(4)
        ]
        assert [await read_all(answer) for answer in answers] == [b"fast"] * 4
    finally:
        await upstreams.close()
