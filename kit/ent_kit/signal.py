"""Wake log followers (outbox relay, projectors) as soon as something is appended."""

from __future__ import annotations

import asyncio
import contextlib


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
