"""The followers of a service's own log (outbox relay, local projectors) run on exactly one
replica: the holder of the service's lease (`ent_kit.lease`).

A keeper task renews the lease every `ttl/3`. While it is held, the followers run; when it
is lost (renewal refused or failed), they are stopped — their guarded transactions would
fail `verify` anyway — and the keeper goes on trying to take it back. A replica that does
not hold it reads the lease (a plain read, no write transaction) and tries to take it the
moment it expires. Commands on any replica still see their own writes: `LocalProjector.
caught_up` polls the checkpoint the holder writes.

On a clean shutdown the holder stops its followers, flushes its outbox (still renewing),
then releases the lease so that a peer takes over at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from ent_kit.lease import Lease
from ent_kit.logging import get_logger
from ent_kit.storage import DocumentReader

log = get_logger("ent.pipeline")

# A replica without the lease looks at it this often (and exactly when it expires).
RETRY_S = 0.25
# Margin after the stored expiry before trying to take the lease.
EXPIRY_MARGIN_S = 0.01


class Follower(Protocol):
    async def run(self) -> None: ...

    async def stop(self) -> None: ...


class LeasedPipeline:
    def __init__(self, lease: Lease, *, retry_s: float = RETRY_S) -> None:
        self.lease = lease
        self._renew_s = lease.ttl_s / 3
        self._retry_s = min(retry_s, self._renew_s)
        self._followers: dict[str, Follower] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._running = False  # the followers run here
        self._followers_stopped = False  # shutting down: renew only, never restart them
        self._closing = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()  # set (and replaced) whenever the followers start or stop

    @property
    def running(self) -> bool:
        """Whether this replica runs the followers (it held the lease at the last look)."""
        return self._running

    async def guard(self, tx: DocumentReader) -> None:
        """For the followers' transactions: LeaseLost (rolling them back) unless ours."""
        await self.lease.verify(tx)

    def add(self, name: str, follower: Follower) -> None:
        """A follower to run while the lease is held (started now if it is). The first one
        starts the keeper."""
        self._followers[name] = follower
        if self._keeper is None:
            self._keeper = asyncio.create_task(self._keep(), name="pipeline:lease")
        if self._running:
            self._start(name, follower)

    async def stop_followers(self) -> None:
        """Shutdown, first step: stop the followers; the lease stays ours and renewed (the
        outbox is flushed next)."""
        self._followers_stopped = True
        await self._stop_all()

    async def close(self) -> None:
        """Shutdown, last step: stop renewing and release the lease (a peer takes over now)."""
        self._followers_stopped = True
        await self._stop_all()
        self._closing.set()
        if self._keeper is not None:
            await asyncio.gather(self._keeper, return_exceptions=True)
        try:
            await self.lease.release()
        except Exception:
            log.exception("lease not released; a peer takes over when it expires")

    async def _keep(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._closing.is_set():
            started = loop.time()
            delay = await self._step()
            # From the start of this look: a slow renewal does not push the next one back.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._closing.wait(), max(EXPIRY_MARGIN_S, started + delay - loop.time())
                )

    async def _step(self) -> float:
        """One look at the lease; returns how long to wait before the next."""
        lease, wait = self.lease, self._renew_s
        try:
            state = await lease.current()
            now = lease.clock()
            if state is not None and state.owner != lease.owner and state.live(now):
                held = False  # a live peer holds it: no write transaction for nothing
                lease.token = None
                wait = min(self._retry_s, state.expires_at - now + EXPIRY_MARGIN_S)
            else:
                held = await lease.acquire_or_renew()
                wait = self._renew_s if held else self._retry_s
        except Exception:
            log.exception("lease not renewed; the followers stop until it is held again")
            lease.token = None
            held, wait = False, self._retry_s
        if held and not self._running and not self._followers_stopped:
            log.info("lease acquired: running the relay and projectors here", token=lease.token)
            self._running = True
            for name, follower in self._followers.items():
                self._start(name, follower)
            self._changed()
        elif not held and self._running:
            log.warning("lease lost: relay and projectors stop here")
            await self._stop_all()
        return max(wait, EXPIRY_MARGIN_S)

    def _start(self, name: str, follower: Follower) -> None:
        self._tasks[name] = asyncio.create_task(follower.run(), name=f"follower:{name}")

    async def _stop_all(self) -> None:
        """Ask each follower to stop, give them a renewal period to finish the batch in
        hand, then cancel (what they did not checkpoint is done again by the next holder)."""
        self._running = False
        tasks, self._tasks = self._tasks, {}
        for name in tasks:
            await self._followers[name].stop()
        if tasks:
            _, late = await asyncio.wait(tasks.values(), timeout=self._renew_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
        self._changed()

    def _changed(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()
