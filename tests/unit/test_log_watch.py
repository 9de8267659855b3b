"""LogWatch: another process's appends wake this process's followers through one read of
the log's head, so idle followers do not each read the log on a timer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from ent_kit.projections import LocalProjector
from ent_kit.signal import AppendSignal, LogWatch
from ent_kit.storage import Storage
from kit_fixtures import SchoolRoster, append_users, school_count, storage

__all__ = ["storage"]

WATCH_S = 0.05
NEVER_S = 30.0  # the followers' own poll: longer than any test here


@asynccontextmanager
async def running(*followers: Any) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(f.run()) for f in followers]
    try:
        yield
    finally:
        for follower in followers:
            await follower.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), 2.0)


def projectors(storage: Storage, signal: AppendSignal, count: int) -> list[LocalProjector]:
    return [
        LocalProjector(storage, SchoolRoster(), signal, poll_interval=NEVER_S) for _ in range(count)
    ]


def counting_reads(storage: Storage) -> list[int]:
    """How many times the log is read from a position (a follower's drain), counted."""
    calls: list[int] = []
    read_all = storage.events.read_all

    async def counted(after: int, limit: int) -> Sequence[Any]:
        calls.append(after)
        return await read_all(after, limit)

    storage.events.read_all = counted  # type: ignore[method-assign]
    return calls


async def test_another_processs_append_wakes_the_projector(storage: Storage) -> None:
    signal = AppendSignal()
    (projector,) = projectors(storage, signal, 1)
    watch = LogWatch(storage.events.last_position, signal, WATCH_S)
    async with running(watch, projector):
        await asyncio.sleep(0.2)
        # Appended as another replica does: straight to the store, this signal untold.
        last = await append_users(storage, "a", 3)
        await projector.caught_up(last, timeout=2.0)
    assert await school_count(storage) == 3


async def test_without_the_watch_the_append_waits_for_the_followers_poll(
    storage: Storage,
) -> None:
    signal = AppendSignal()
    (projector,) = projectors(storage, signal, 1)
    async with running(projector):
        await asyncio.sleep(0.2)
        await append_users(storage, "a", 3)
        await asyncio.sleep(0.5)
        assert await school_count(storage) is None  # nothing applied yet


async def test_idle_followers_do_not_read_the_log(storage: Storage) -> None:
    await append_users(storage, "a", 2)
    signal = AppendSignal()
    reads = counting_reads(storage)
    heads: list[int] = []

    async def head() -> int:
        heads.append(1)
        return await storage.events.last_position()

    followers = projectors(storage, signal, 4)
    async with running(LogWatch(head, signal, WATCH_S), *followers):
        await asyncio.sleep(1.0)
    assert len(heads) >= 10  # the watch read the head every interval…
    # …and the followers drained only when started and on the watch's first wake-up
    # (at most two reads each: before it, one read finds the two events, one nothing).
    assert len(reads) <= 3 * len(followers), reads


async def test_the_watch_goes_on_after_a_failed_read(storage: Storage) -> None:
    signal = AppendSignal()
    (projector,) = projectors(storage, signal, 1)
    failures = [OSError("disk I/O error")]

    async def head() -> int:
        if failures:
            raise failures.pop()
        return await storage.events.last_position()

    async with running(LogWatch(head, signal, WATCH_S), projector):
        await asyncio.sleep(0.2)
        last = await append_users(storage, "a", 1)
        await projector.caught_up(last, timeout=2.0)
    assert not failures
