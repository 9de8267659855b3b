"""Callers that give up (a home block's timeout, a client gone) never cost the gateway a
pooled connection to the services: after many requests cancelled while the pool is
contended, the next ones are still served (httpcore alone loses the slots for good:
encode/httpcore#1093)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from ent_gateway.adapters.service_reader import UpstreamReader
from ent_gateway.adapters.uncancelled import abandoned_count
from ent_gateway.adapters.upstreams import PoolLimits, Upstreams
from ent_gateway.application.ports import Unreachable

CONNECTIONS = 4
CALLERS = 12  # three times the pool: most wait for a connection when cancelled
CHURN_S = 3.0


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        while True:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = await reader.read(4096)
                if not chunk:
                    return
                head += chunk
            await asyncio.sleep(random.uniform(0, 0.02))
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
            writer.write(b"content-length: 2\r\n\r\n{}")
            await writer.drain()


@pytest.fixture
async def service() -> AsyncIterator[str]:
    server = await asyncio.start_server(_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(server.wait_closed(), 2)


@pytest.fixture
async def upstreams(service: str) -> AsyncIterator[Upstreams]:
    limits = PoolLimits(max_connections=CONNECTIONS, max_keepalive=CONNECTIONS, pool_wait_s=2.0)
    pool = Upstreams({"mail": service}, 5.0, limits)
    yield pool
    await pool.close()


@pytest.fixture
async def impatient(service: str) -> AsyncIterator[Upstreams]:
    """A pool wait far shorter than an answer: most callers time out in the queue."""
    limits = PoolLimits(max_connections=CONNECTIONS, max_keepalive=CONNECTIONS, pool_wait_s=0.005)
    pool = Upstreams({"mail": service}, 5.0, limits)
    yield pool
    await pool.close()


async def churn(call: Callable[[], Awaitable[object]]) -> None:
    """Rounds of callers cancelled at once, at random moments of their requests."""
    end = time.monotonic() + CHURN_S
    while time.monotonic() < end:
        callers = [asyncio.ensure_future(call()) for _ in range(CALLERS)]
        await asyncio.sleep(random.uniform(0, 0.01))
        for caller in callers:
            caller.cancel()
        await asyncio.gather(*callers, return_exceptions=True)


async def crowd(call: Callable[[], Awaitable[object]]) -> None:
    """Rounds of callers three times the pool, most of them giving up waiting for a
    connection (the pool wait is short): refused (503), never stuck."""
    end = time.monotonic() + CHURN_S
    while time.monotonic() < end:
        await asyncio.gather(*(call() for _ in range(CALLERS)), return_exceptions=True)


async def wait_abandoned_done() -> None:
    for _ in range(600):
        if abandoned_count() == 0:
            return
        await asyncio.sleep(0.05)


async def test_home_block_reads_cancelled_under_contention_leave_the_pool_whole(
    upstreams: Upstreams,
) -> None:
    reader = UpstreamReader(upstreams)

    async def read() -> object:
        return await reader.get("mail", "/mail/unread-count", {}, "Bearer x", 5.0)

    await churn(read)
    await wait_abandoned_done()
    for _ in range(CONNECTIONS + 1):
        answer = await asyncio.wait_for(read(), 4.0)
        assert answer.status == 200


async def test_proxied_requests_cancelled_under_contention_leave_the_pool_whole(
    upstreams: Upstreams, service: str
) -> None:
    async def forward() -> bytes:
        answer = await upstreams.forward("GET", f"{service}/mail/folders", {}, None)
        return await answer.read()

    await churn(forward)
    await wait_abandoned_done()
    for _ in range(CONNECTIONS + 1):
        assert await asyncio.wait_for(forward(), 4.0) == b"{}"


async def test_callers_timing_out_in_the_queue_leave_the_pool_whole(
    impatient: Upstreams, service: str
) -> None:
    reader = UpstreamReader(impatient)

    async def read() -> object:
        return await reader.get("mail", "/mail/unread-count", {}, "Bearer x", 5.0)

    await crowd(read)
    served = 0
    for _ in range(20):  # each may still be refused by the short wait, not all of them
        with contextlib.suppress(Unreachable):
            served += (await asyncio.wait_for(read(), 4.0)).status == 200
    assert served > 0
