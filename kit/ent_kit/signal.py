"""Wake log followers (outbox relay, projectors) as soon as something is appended."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from ent_kit.logging import get_logger

log = get_logger("ent.follow")


class AppendSignal:
    """Followers take `ticket()` before reading the log and `wait(ticket)` after, so an
    append that lands between their read and their wait is never missed."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def ticket(self) -> asyncio.Event:
        return self._event

    @staticmethod
    async def wait(ticket: asyncio.Event, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ticket.wait(), timeout)


async def follow(
    drain: Callable[[], Awaitable[object]],
    signal: AppendSignal,
    stopping: asyncio.Event,
    *,
    poll_interval: float,
    name: str,
    retry_interval: float | None = None,
) -> None:
    """Drain a log each time something is appended (or every `poll_interval`, for appends
    made by another process) until stopped. A failing drain is retried after a pause
    (`retry_interval`, by default `poll_interval`): followers checkpoint only what they
    finished, so nothing is skipped."""
    while not stopping.is_set():
        ticket = signal.ticket()
        try:
            await drain()
        except ConnectionError as exc:  # a peer away (the broker): one line, no traceback
            error = f"{type(exc).__name__}: {exc}"
            log.warning("log follower waits for a peer", follower=name, error=error)
        except Exception:
            log.exception("log follower failed; will retry", follower=name)
        else:
            await signal.wait(ticket, poll_interval)
            continue
        pause = poll_interval if retry_interval is None else retry_interval
        # Woken early by a stop: a follower that lost its lease ends at once.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), pause)
