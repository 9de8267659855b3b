"""Suite `locker`, the user's path: deposits through the gateway of the whole platform.

`Stack` starts the broker and every service as its own process, as `make run` does (the
demo school seeded), on a school of GROUP_SIZE students in one class imported from CSV
before the directory starts (`locker_school`). Each deposit is an HTTP request to the
gateway with a user token: the gateway checks the JWT and streams the body on to the
locker, which asks the directory (HTTP) to expand `group:<class>:students` and check each
of the 1,000, stores the content, appends the event and waits for its projector to write
the 1,001 folder entries; the outbox relay publishes meanwhile and mail is notified.
Sending limits are lifted (the bench deposits to 1,000 again and again).

- locker.gateway_deposit_5mb_1000.c{1,8,32}: fresh random 5 MiB deposits from 1, 8 and 32
  teachers at once, at least GATEWAY_DEPOSITS timed at each concurrency after GATEWAY_PREFILL
  small deposits to the class and WARMUP sequential ones; latency as the client sees it,
  the body ready in memory. Floor: the plain work of one deposit (`locker_floors`) measured
  as many times as c1's deposits, in the stack's data directory, each plus a POST of the
  same body and token through the gateway to the empty handler (`bench.empty_service`):
  c1's bodies posted again one after the other, on a settled platform, after one untimed
  POST; goal at c1: p99 <= 3 x floor. `.c1.ratio_to_work` is p99 over the plain work's p99
  alone, the ratio before the HTTP floor was measured.
  `.cN.deposits_per_s`: deposits completed per second at that concurrency.
- http.gateway_empty.p50_ms / p99_ms: a GET through the gateway that does no work behind
  it: the JWT check, the proxy and the locker's router answering 404 for a path it does not
  serve (EMPTY_CALLS, sequential), beside the deposit figures.
- locker.gateway_list_page_10k: see `locker_gateway_list`.

The platform settles (`bench.platform_settle`) before each measure.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from ent_devstack.stack import Ports, Stack
from ent_kit.auth import Identity

from bench.empty_service import FLOOR, behind_gateway
from bench.load_client import load_client
from bench.locker_floors import deposit_floor, plus_http
from bench.locker_form import CONTENT_TYPE, form
from bench.locker_gateway_list import gateway_listing
from bench.locker_school import SCHOOL_ID, School, import_school
from bench.locker_sizes import (
    CHUNK,
    CONCURRENCY,
    DOCUMENT_BYTES,
    EMPTY_CALLS,
    GATEWAY_DEPOSITS,
    GATEWAY_PREFILL,
    GROUP_SIZE,
    WARMUP,
)
from bench.platform_settle import settle
from bench.report import figure, latency, p99

LIFTED = "1000000"
ENV = {
    **{
        f"ENT_DEPOSIT_LIMIT_{name}": LIFTED
        for name in (
            "PER_HOUR",
            "PER_DAY",
            "RECIPIENTS_PER_HOUR",
            "RECIPIENTS_PER_DAY",
            "ELEVATED_PER_HOUR",
            "ELEVATED_PER_DAY",
            "ELEVATED_RECIPIENTS_PER_HOUR",
            "ELEVATED_RECIPIENTS_PER_DAY",
        )
    },
    **{
        f"ENT_SEND_LIMIT_{name}": LIFTED
        for name in (
            "MESSAGES_PER_HOUR",
            "RECIPIENTS_PER_DAY",
            "ELEVATED_MESSAGES_PER_HOUR",
            "ELEVATED_RECIPIENTS_PER_DAY",
        )
    },
    "ENT_AUTO_FREEZE_AFTER_LIMIT_HITS": "0",
    "ENT_MAX_CONCURRENT_PER_CLIENT": str(4 * max(CONCURRENCY)),
    "ENT_QUOTA_BYTES": str(2**50),
    "ENT_UPSTREAM_TIMEOUT_S": "600",
}
NAME = "locker.gateway_deposit_5mb_1000"


class Platform:
    """The running stack seen from a browser: a client and one token per teacher."""

    def __init__(self, stack: Stack, school: School, client: httpx.AsyncClient) -> None:
        self.school = school
        self.client = client
        self.auth = [
            {"authorization": f"Bearer {stack.keys.user_token(self._me(t), timedelta(hours=6))}"}
            for t in school.teachers
        ]

    @staticmethod
    def _me(teacher: str) -> Identity:
        return Identity(user_id=teacher, profile="teacher", school_id=SCHOOL_ID)

    async def deposit(self, sender: int, body: bytes) -> tuple[float, dict[str, Any]]:
        headers = {**self.auth[sender], "content-type": CONTENT_TYPE}
        started = time.perf_counter()
        response = await self.client.post("/api/locker/deposits", content=body, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 201, response.text
        receipt: dict[str, Any] = response.json()
        return elapsed, receipt

    async def empty_post(self, sender: int, body: bytes) -> float:
        """ms of `body` posted as a deposit is, to the empty handler behind the gateway."""
        headers = {**self.auth[sender], "content-type": CONTENT_TYPE}
        started = time.perf_counter()
        response = await self.client.post(f"/api/{FLOOR}/empty", content=body, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 201, response.text
        return elapsed

    async def http_floor(self, bodies: list[bytes]) -> list[float]:
        """ms of each body posted to the empty handler, one after the other, after an
        untimed first (the gateway's connection to it opened)."""
        await self.empty_post(0, bodies[0])
        return [await self.empty_post(0, body) for body in bodies]

    async def at_once(self, senders: int, bodies: list[bytes]) -> tuple[list[float], float]:
        """`bodies` deposited by `senders` teachers at once, each in turn; the latencies
        and the wall time (s)."""
        queue = list(enumerate(bodies))
        timings: list[float] = []

        async def sender(k: int) -> None:
            while queue:
                _, body = queue.pop()
                elapsed, receipt = await self.deposit(k, body)
                assert len(receipt["recipient_ids"]) == GROUP_SIZE, receipt
                assert not receipt["refused"], receipt["refused"]
                timings.append(elapsed)

        started = time.perf_counter()
        await asyncio.gather(*(sender(k) for k in range(senders)))
        return timings, time.perf_counter() - started

    def bodies(self, count: int, size: int, label: str) -> list[bytes]:
        return [
            form(self.school.group_id, f"{label} {i + 1}.pdf", os.urandom(size))
            for i in range(count)
        ]


async def empty_route(platform: Platform) -> tuple[float, float]:
    """p50 and p99 (ms) of a proxied GET that nothing answers but the locker's router (404)."""
    timings: list[float] = []
    for _ in range(EMPTY_CALLS):
        started = time.perf_counter()
        response = await platform.client.get("/api/locker/bench-empty", headers=platform.auth[0])
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 404, response.text
    return statistics.median(timings), p99(timings)


async def deposits(platform: Platform, stack: Stack, data: Path) -> None:
    await platform.at_once(8, platform.bodies(GATEWAY_PREFILL, 100_000, "Circulaire"))
    await settle(stack)
    empty_p50, empty_p99 = await empty_route(platform)
    figure("http.gateway_empty.p50_ms", empty_p50, "ms")
    figure("http.gateway_empty.p99_ms", empty_p99, "ms")
    await platform.at_once(1, platform.bodies(WARMUP, DOCUMENT_BYTES, "Essai"))
    samples: dict[int, tuple[list[float], float]] = {}
    c1_bodies: list[bytes] = []
    for senders in CONCURRENCY:
        count = -(-max(GATEWAY_DEPOSITS, senders) // senders) * senders
        bodies = platform.bodies(count, DOCUMENT_BYTES, f"Sujet c{senders}")
        await settle(stack)
        samples[senders] = await platform.at_once(senders, bodies)
        c1_bodies = bodies if senders == 1 else c1_bodies
        del bodies
    await settle(stack)  # the floors, on a quiet platform too
    http_floor = await platform.http_floor(c1_bodies)
    del c1_bodies
    work_floor, work_samples = await asyncio.to_thread(
        deposit_floor, data / "floor", len(http_floor), DOCUMENT_BYTES, GROUP_SIZE + 1, CHUNK
    )
    floor = plus_http(work_samples, http_floor)
    figure(f"{NAME}.parts.http_floor.p99_ms", p99(http_floor), "ms")
    figure(f"{NAME}.c1.ratio_to_work", p99(samples[1][0]) / work_floor, "ratio")
    for senders, (timings, wall_s) in samples.items():
        goal = 3.0 if senders == 1 else None
        latency(f"{NAME}.c{senders}", timings, floor, goal_ratio=goal)
        figure(f"{NAME}.c{senders}.deposits_per_s", len(timings) / wall_s, "deposits/s")


async def run(build_locker: Callable[[Path, str], Awaitable[None]]) -> None:
    """`build_locker(directory, teacher)`: the teacher's Mon casier of LOCKER_DOCUMENTS in a
    locker store at `directory` (store.db), before the platform starts on it."""
    with tempfile.TemporaryDirectory(prefix="bench-locker-gateway-") as tmp:
        data = Path(tmp)
        school = await import_school(data / "directory" / "store.db", max(CONCURRENCY), GROUP_SIZE)
        reader = school.teachers[-1]  # receives nothing else: the others deposit to students
        await build_locker(data / "locker", reader)
        stack = Stack(data, Ports.free(), extra_env=dict(ENV), say=lambda _: None)
        with behind_gateway(stack):
            await on_platform(stack, school, reader)


async def on_platform(stack: Stack, school: School, reader: str) -> None:
    await asyncio.to_thread(stack.start, 180.0)
    try:
        async with load_client(
            stack.gateway_url, timeout=600.0, max_connections=4 * max(CONCURRENCY)
        ) as client:
            platform = Platform(stack, school, client)
            await settle(stack)
            await gateway_listing(stack, client, platform.auth[-1], reader)
            await deposits(platform, stack, stack.data_dir)
    finally:
        await asyncio.to_thread(stack.stop)
