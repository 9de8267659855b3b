"""Keeping the pool of connections to the services whole, whatever callers do.

httpcore 1.0.9 loses a pool slot for good when a request is cancelled, or times out
waiting for a connection, at the moment the pool hands it a new one (encode/httpcore#1093,
#830; fix proposed in #986): a gateway whose clients give up (a home block's timeout, a
closed tab) or wait under load ends with every slot lost, each request then waiting for
the pool timeout and answering 503. Two guards, so that neither ever happens:

- `ConnectionBudget`: the gateway counts its requests under way itself and waits for room
  in its own queue, below httpx's limit, so httpx never queues nor times out a request;
- `uncancelled`: a request runs in a task of its own; a caller cancelled stops waiting, the
  request ends within its own httpx timeouts, and what it answered is then released."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import structlog
from ent_kit.peers import PeerUnavailable

T = TypeVar("T")

log = structlog.get_logger("ent.gateway.upstreams")

# Requests whose caller left, kept referenced until they end (the loop holds tasks weakly).
_abandoned: set[asyncio.Task[Any]] = set()


class ConnectionBudget:
    """At most `size` requests to the services under way; `take` waits up to `wait_s` for
    room (then PeerUnavailable: a 503), and each `take` is matched by one `give_back`."""

    def __init__(self, size: int, wait_s: float) -> None:
        self._room = asyncio.Semaphore(size)
        self._wait_s = wait_s

    async def take(self) -> None:
        try:
            async with asyncio.timeout(self._wait_s):
                await self._room.acquire()
        except TimeoutError:
            raise PeerUnavailable("no connection to the services freed up in time") from None

    def give_back(self) -> None:
        self._room.release()


class Room:
    """One request's room in the budget, given back once however many ways it ends."""

    def __init__(self, budget: ConnectionBudget) -> None:
        self._budget: ConnectionBudget | None = budget

    def give_back(self) -> None:
        budget, self._budget = self._budget, None
        if budget is not None:
            budget.give_back()


async def uncancelled(
    request: Coroutine[Any, Any, T],
    abandoned: Callable[[asyncio.Task[T]], Awaitable[None]] | None = None,
) -> T:
    """`request`'s result; a cancelled caller leaves it running, and `abandoned` gets its
    task once done (whatever its outcome) to release what it holds."""
    task = asyncio.ensure_future(request)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        _abandoned.add(task)
        task.add_done_callback(lambda done: _settle(done, abandoned))
        raise


def _settle(
    task: asyncio.Task[T], abandoned: Callable[[asyncio.Task[T]], Awaitable[None]] | None
) -> None:
    _abandoned.discard(task)
    if not task.cancelled() and task.exception() is not None:  # retrieved: not "lost"
        log.debug("abandoned upstream request failed", error=repr(task.exception()))
    if abandoned is not None:
        releasing = asyncio.ensure_future(abandoned(task))
        _abandoned.add(releasing)
        releasing.add_done_callback(_abandoned.discard)


def abandoned_count() -> int:
    """Requests still under way whose caller left (for tests and diagnostics)."""
    return len(_abandoned)
