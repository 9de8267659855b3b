"""Suite `gateway`: the home page (`GET /api/home`) at 100 concurrent users.

`Stack` starts the broker and every service as its own process, as `make run` does (the
demo collège seeded); once the school-life demo seed has landed, USERS students and parents
of the demo school sign in (dev login) and each fetches its home page again and again, all
at once (a closed loop, ROUNDS pages each after WARMUP each).

- gateway.home.p50_ms / p99_ms: the page's latency as the client sees it; goal p99 < 50 ms.
- gateway.home.ratio_to_slowest_block: the page's p99 over the p99 of its slowest single
  call, each of the page's calls (mail's home: latest and unread count; the Casier;
  school life's home: homework due, day, latest grades and agenda, for a parent every
  child's at once) made directly through the gateway's proxy by the same users at the
  same concurrency in the same run;
  goal <= 1.5: composing costs little beyond the slowest thing it waits for.
- gateway.home.unavailable_blocks: blocks answered `unavailable` during the measure (a
  block past ENT_HOME_BLOCK_TIMEOUT_S under this load), a parent's children unread in time
  (`children_status`) counted as one; 0 expected.
- gateway.block.<call>.p99_ms: each single call's p99.
- gateway.home.c1.p50_ms / p99_ms: one student alone, SOLO_PAGES pages one after the other
  (before the others start): the page's own cost without queueing; beside it
  gateway.block.<call>.c1.p50_ms, each single call alone.

ENT_BENCH_QUICK=1: 20 users, 3 rounds (trying a change, not figures).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from ent_devstack.stack import Ports, Stack
from ent_directory.domain.demo_school import demo_users

from bench.load_client import load_client
from bench.report import ROWS, Row, bench, figure, p99

QUICK = os.environ.get("ENT_BENCH_QUICK") == "1"
USERS = 20 if QUICK else 100
ROUNDS = 3 if QUICK else 20
WARMUP = 1 if QUICK else 3
SOLO_PAGES = 20 if QUICK else 100
SEED_TIMEOUT_S = 600.0
GOAL_P99_MS = 50.0
GOAL_RATIO = 1.5
ENV = {"ENT_MAX_CONCURRENT_PER_CLIENT": "64"}
SL = "/api/schoollife"

# The page's calls, made directly (through the gateway's proxy): name → path, params.
BLOCK_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "mail_home": ("/api/mail/home", {"limit": 5}),
    "casier": ("/api/locker/received", {"limit": 5}),
    "schoollife_home": (f"{SL}/home", {"latest": 5}),
}
# A parent's page reads every child's school-life blocks in one call.
PARENT_PATHS = {"schoollife_home": f"{SL}/home/children"}


@dataclass
class User:
    login: str
    profile: str
    headers: dict[str, str]


async def sign_in(client: httpx.AsyncClient, login: str) -> dict[str, str]:
    response = await client.post("/api/auth/dev-login", json={"login": login})
    assert response.status_code == 201, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


def chosen_logins() -> list[tuple[str, str]]:
    """USERS demo students and parents, alternately (as many of each)."""
    users = demo_users()
    students = [u for u in users if u.profile == "student"]
    parents = [u for u in users if u.profile == "parent"]
    half = USERS // 2
    picked = [*students[: USERS - half], *parents[:half]]
    return [(u.login, u.profile) for u in picked]


async def seeded(client: httpx.AsyncClient) -> None:
    """The school-life demo seed has landed (the vie scolaire's agenda last of all)."""
    student = await sign_in(client, "juliette.david")
    cpe = await sign_in(client, "marc.cpe")
    deadline = time.monotonic() + SEED_TIMEOUT_S
    while time.monotonic() < deadline:
        week = await client.get(f"{SL}/timetable/week", headers=student)
        agenda = await client.get(f"{SL}/agenda", headers=cpe)
        ready = week.status_code == 200 and week.json()["occurrences"]
        titles = {i["title"] for i in agenda.json()["items"]} if agenda.status_code == 200 else ()
        if ready and "Sortie au musée" in titles:
            return
        await asyncio.sleep(1.0)
    raise RuntimeError("the school-life demo seed never landed")


async def users_of(client: httpx.AsyncClient) -> list[User]:
    users: list[User] = []
    for login, profile in chosen_logins():
        users.append(User(login, profile, await sign_in(client, login)))
    return users


async def closed_loop(
    users: list[User], call: Callable[[User], Awaitable[httpx.Response]], rounds: int
) -> list[float]:
    """Every user at once, each making `rounds` calls one after the other: latencies (ms)."""
    timings: list[float] = []

    async def one(user: User) -> None:
        for _ in range(rounds):
            started = time.perf_counter()
            response = await call(user)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (user.login, response.text[:300])

    await asyncio.gather(*(one(u) for u in users))
    return timings


def unavailable(page: dict[str, Any]) -> int:
    blocks = [page["blocks"], *(c["blocks"] for c in page.get("children", []))]
    lost = sum(1 for group in blocks for b in group.values() if b["status"] == "unavailable")
    # A parent's children and their blocks not read in time: one more.
    return lost + (page.get("children_status") == "unavailable")


async def measure(client: httpx.AsyncClient, users: list[User]) -> None:
    lost = 0

    async def page(user: User) -> httpx.Response:
        nonlocal lost
        response = await client.get("/api/home", headers=user.headers)
        if response.status_code == 200:
            lost += unavailable(response.json())
        return response

    # One user alone first: the page's own cost, no queueing behind others.
    await closed_loop(users[:1], page, WARMUP)
    solo = await closed_loop(users[:1], page, SOLO_PAGES)
    await closed_loop(users, page, WARMUP)
    lost = 0
    pages = await closed_loop(users, page, ROUNDS)
    lost_in_pages = lost

    singles: dict[str, float] = {}
    for name, (path, params) in BLOCK_CALLS.items():

        def single(
            user: User, path: str = path, params: dict[str, Any] = params, name: str = name
        ) -> Any:
            if user.profile == "parent":
                path = PARENT_PATHS.get(name, path)
            return client.get(path, headers=user.headers, params=params)

        alone = await closed_loop(users[:1], single, SOLO_PAGES)
        figure(f"gateway.block.{name}.c1.p50_ms", statistics.median(alone), "ms")
        await closed_loop(users, single, WARMUP)
        timings = await closed_loop(users, single, ROUNDS)
        singles[name] = p99(timings)
        bench(f"gateway.block.{name}.p99_ms", singles[name], "ms")

    page_p99 = p99(pages)
    slowest_name, slowest = max(singles.items(), key=lambda item: item[1])
    ratio = page_p99 / slowest
    bench("gateway.home.p50_ms", statistics.median(pages), "ms")
    bench("gateway.home.p99_ms", page_p99, "ms")
    ROWS.append(
        Row("gateway.home.p99_ms", page_p99, "ms", goal=f"< {GOAL_P99_MS:g}", met=page_p99 < 50)
    )
    print(f"slowest single call: {slowest_name}", flush=True)
    bench("gateway.home.ratio_to_slowest_block", ratio, "ratio")
    ROWS.append(
        Row(
            "gateway.home.ratio_to_slowest_block",
            ratio,
            "ratio",
            floor=slowest,
            ratio=ratio,
            goal=f"<= {GOAL_RATIO:g}",
            met=ratio <= GOAL_RATIO,
        )
    )
    figure("gateway.home.c1.p50_ms", statistics.median(solo), "ms")
    figure("gateway.home.c1.p99_ms", p99(solo), "ms")
    figure("gateway.home.unavailable_blocks", lost_in_pages, "blocks")
    figure("gateway.home.users", len(users), "users")


async def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp:
        stack = Stack(Path(tmp), Ports.free(), extra_env=ENV, say=lambda _: None)
        await asyncio.to_thread(stack.start, 180.0)
        try:
            async with load_client(
                stack.gateway_url, timeout=60.0, max_connections=2 * USERS
            ) as client:
                await seeded(client)
                users = await users_of(client)
                await measure(client, users)
        finally:
            await asyncio.to_thread(stack.stop)
