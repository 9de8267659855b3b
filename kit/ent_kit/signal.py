"""Wake log followers (outbox relay, projectors) as soon as something is appended: at once
for this process's appends (`AppendSignal`), and within a poll for another process's
(`LogWatch`, one read of the log's head for all of them)."""

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


class LogWatch:
    """Wakes this process's followers when the log's head moves without their signal: an
    append by another replica (a request served there, on the lease holder's behalf). One
    read of the head every `interval_s` for every follower of the process, rather than each
    follower reading the log on its own timer; an idle service then reads its log about
    once per interval, whatever its number of projections."""

    def __init__(
        self, head: Callable[[], Awaitable[int]], signal: AppendSignal, interval_s: float
    ) -> None:
        self._head = head
        self._signal = signal
        self._interval_s = interval_s
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        seen: int | None = None  # the first read wakes them: appends before it are caught
        try:
            while not self._stopping.is_set():
                try:
                    head = await self._head()
                except Exception as exc:  # the store away for a moment: the next read tries
                    log.warning("log watch could not read the head", error=str(exc))
                else:
                    if head != seen:
                        seen = head
                        self._signal.notify()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._interval_s)
        finally:
            self._stopping = asyncio.Event()  # a stop() seen; the next run() starts afresh

    async def stop(self) -> None:
        self._stopping.set()


async def follow(
    drain: Callable[[], Awaitable[object]],
    signal: AppendSignal,
    stopping: asyncio.Event,
    *,
    poll_interval: float,
    name: str,
    retry_interval: float | None = None,
) -> None:
    """Drain a log each time something is appended (or at the latest every
    `poll_interval`) until stopped. A failing drain is retried after a pause
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
