"""Part of suite `kit`: how long the pipeline stops when its lease holder dies.

Two processes share one SQLite store, each running the kit's `LeasedPipeline` with the
services' default lease TTL (`ENT_LEASE_TTL_S`). The holder is killed with SIGKILL; the
clock runs from the kill until the survivor's follower runs. Repeated with a fresh standby
each time.

- kit.failover.takeover_s: median time from the kill to the survivor running.
- kit.failover.floor_s: what the lease itself imposes — the holder's unexpired time at the
  kill (no TTL-based handover can be faster), and the ratio between the two
  (`kit.failover.ratio_to_floor`); `kit.failover.lease_ttl_s` the TTL.
- kit.failover.takeover.{p50,p99,floor}_ms, .ratio_to_floor: the same takeovers through
  `bench.report.latency`, the floor being the longest unexpired time among the kills (the
  p99 of a few takeovers is about the longest).
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import uvloop
from ent_kit.lease import Lease
from ent_kit.pipeline import LeasedPipeline
from ent_kit.settings import ServiceSettings
from ent_kit.storage import open_storage

from bench.kit_sizes import TAKEOVERS
from bench.report import figure, latency

TTL_S = ServiceSettings(service_name="bench").lease_ttl_s  # the default


class Announce:
    """A follower that says when it starts running: the takeover's end."""

    def __init__(self) -> None:
        self._stop = asyncio.Event()

    async def run(self) -> None:
        print(f"RUNNING {time.time()}", flush=True)
        await self._stop.wait()
        self._stop = asyncio.Event()

    async def stop(self) -> None:
        self._stop.set()


async def hold(database: Path) -> None:
    """One replica: take the lease when it can, run the follower while it holds it."""
    storage = await open_storage(f"sqlite://{database}", service_name="bench-failover")
    pipeline = LeasedPipeline(Lease(storage.documents, "pipeline", ttl_s=TTL_S))
    pipeline.add("announce", Announce())
    print("STARTED", flush=True)
    await asyncio.Event().wait()  # until killed


async def _replica(database: Path) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.kit_failover",
        "hold",
        str(database),
        stdout=asyncio.subprocess.PIPE,
    )
    await _line(process, b"STARTED", 30)
    return process


async def _line(process: asyncio.subprocess.Process, word: bytes, timeout: float) -> bytes:
    """The next line starting with `word` (the replica's log lines come in between)."""
    assert process.stdout is not None
    async with asyncio.timeout(timeout):
        while line := await process.stdout.readline():
            if line.startswith(word):
                return line
    raise EOFError(f"the replica ended before printing {word!r}")


async def _running_at(process: asyncio.subprocess.Process, timeout: float) -> float:
    return float((await _line(process, b"RUNNING", timeout)).split()[1])


async def _expires_at(database: Path) -> float:
    storage = await open_storage(f"sqlite://{database}", service_name="bench-failover")
    try:
        state = await Lease(storage.documents, "pipeline", ttl_s=TTL_S).current()
        assert state is not None
        return state.expires_at
    finally:
        await storage.close()


async def measure() -> None:
    takeovers: list[float] = []
    floors: list[float] = []
    replicas: list[asyncio.subprocess.Process] = []
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "store.db"
        try:
            holder = await _replica(database)
            replicas.append(holder)
            await _running_at(holder, 30)
            for _ in range(TAKEOVERS):
                standby = await _replica(database)
                replicas.append(standby)
                await asyncio.sleep(TTL_S / 2)  # kill at some point of the renewal cycle
                expires_at = await _expires_at(database)
                killed_at = time.time()
                os.kill(holder.pid, signal.SIGKILL)
                await holder.wait()
                took_over_at = await _running_at(standby, TTL_S * 3)
                takeovers.append(took_over_at - killed_at)
                floors.append(max(0.0, expires_at - killed_at))
                holder = standby
        finally:
            for replica in replicas:
                if replica.returncode is None:
                    replica.kill()
                    await replica.wait()
    takeover, floor = statistics.median(takeovers), statistics.median(floors)
    figure("kit.failover.takeover_s", takeover, "s")
    figure("kit.failover.floor_s", floor, "s")
    figure("kit.failover.ratio_to_floor", takeover / floor if floor else float("inf"), "ratio")
    figure("kit.failover.lease_ttl_s", TTL_S, "s")
    if len(takeovers) > 1 and max(floors) > 0:  # p99 needs two samples, a ratio a floor
        latency("kit.failover.takeover", [t * 1000 for t in takeovers], max(floors) * 1000)


if __name__ == "__main__" and sys.argv[1:2] == ["hold"]:
    uvloop.run(hold(Path(sys.argv[2])))
