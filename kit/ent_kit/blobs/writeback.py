"""The disk writes a stream's bytes while the next ones arrive.

A file written in pieces and fsync'd at the end makes its writer wait, at the end, for
the disk to write everything (measured here: 30 ms for 16 MB), with the network idle.
Each `nudge` after a write starts the same fsync in a worker thread unless one is under
way; the fsync that commits the file then finds only the last pieces left to write. An
fsync that fails here fails again at the commit, which is where the error is reported.

These fsyncs have a few threads of their own per process: many streams at once (32
deposits) do not queue them before the writes and reads of the shared pool. A nudge that
finds them all busy is skipped; the commit's fsync does that work."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

FLUSHERS = 2
_flushers = ThreadPoolExecutor(FLUSHERS, thread_name_prefix="writeback")
_free = threading.BoundedSemaphore(FLUSHERS)


def _to_disk(fd: int) -> None:
    os.fsync(fd)


def _flush(fd: int) -> None:
    try:
        _to_disk(fd)
    finally:
        _free.release()


class Writeback:
    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._flush: asyncio.Future[None] | None = None

    def nudge(self) -> None:
        if self._flush is not None and not self._flush.done():
            return
        if not _free.acquire(blocking=False):
            return
        self._flush = asyncio.wrap_future(_flushers.submit(_flush, self._fd))

    async def settle(self) -> None:
        """Wait for the flush under way: the file must not be closed under it."""
        if self._flush is not None:
            with contextlib.suppress(OSError):
                await asyncio.shield(self._flush)
