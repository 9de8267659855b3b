"""Housekeeping jobs a service runs every so often (a retention purge, say), and how the
runtime runs them: as followers of the pipeline, so on the lease holder only."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ent_kit.logging import get_logger

if TYPE_CHECKING:
    from ent_kit.runtime import Runtime

log = get_logger("ent.runtime")


@dataclass(frozen=True)
class Periodic:
    """Housekeeping run every `interval_s` (e.g. a retention purge), on one replica: the
    lease holder's. A failing run is logged and tried again at the next interval."""

    name: str
    work: Callable[[Runtime], Awaitable[object]]
    interval_s: Callable[[Runtime], float]


class Repeating:
    """A periodic job as a follower of the pipeline, so it runs where the lease is held."""

    def __init__(self, job: Periodic, runtime: Runtime) -> None:
        self._job = job
        self._runtime = runtime
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        job = self._job
        try:
            while not self._stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), job.interval_s(self._runtime))
                if self._stopping.is_set():
                    return
                try:
                    result = await job.work(self._runtime)
                    # A run that found nothing to do is not news (some jobs run every few s).
                    report = log.info if result else log.debug
                    report("periodic job done", job=job.name, result=result)
                except Exception:
                    log.exception(
                        "periodic job failed; next try at the next interval", job=job.name
                    )
        finally:
            self._stopping = asyncio.Event()  # a stop() seen; the next run() starts afresh

    async def stop(self) -> None:
        self._stopping.set()
