"""A service's answer relayed to a client that may read it slowly, or stop reading.

The server asks for the next chunk only once the client has taken the last one, so a
client that stops reading would keep the connection to the service, one of a bounded
pool, for as long as it keeps its own socket open. Each chunk handed on arms a timer:
when the client has not taken it in time, the answer is closed, which closes that
connection (an answer read halfway cannot be reused) and frees its place in the pool."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx


async def relayed(response: httpx.Response, client_send_s: float) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    closing: set[asyncio.Task[None]] = set()  # a task is kept referenced until done

    def give_up() -> None:
        task = loop.create_task(response.aclose())
        closing.add(task)
        task.add_done_callback(closing.discard)

    async for chunk in response.aiter_raw():
        timer = loop.call_later(client_send_s, give_up)
        try:
            yield chunk
        finally:
            timer.cancel()
