"""The `directory` suite's user's path: the reachability check over HTTP, as mail and
locker make it, against the directory service process of the platform (`Stack`, as
`make run` starts it) whose store is the region the suite built (see bench.directory)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from ent_contracts.directory_api import REACHABILITY_PATH, ReachabilityRequest, Verdict
from ent_devstack.stack import Ports, Stack
from ent_kit.peers import PeerClient
from ent_kit.scopes import DIRECTORY_REACHABILITY
from ent_kit.settings import ServiceSettings

from bench.directory_region import QUICK
from bench.directory_workload import Check, WrongDecision

CONCURRENCY = (1, 8, 32)
HTTP_CHECKS = 64 if QUICK else 640  # timed, at each concurrency
HTTP_WARMUP = 16 if QUICK else 64  # the first answers at each concurrency, not timed
START_TIMEOUT_S = 600.0  # the directory analyzes 1 M accounts' indexes at start
CALLER = "locker"  # the bench calls as locker does, with locker's key


def _say(line: str) -> None:
    print(f"directory bench: {line}", flush=True)


async def start_platform(data_dir: Path) -> Stack:
    """The broker and every service; the directory's store is `data_dir/directory/store.db`,
    built beforehand. Started in a thread: `Stack.start` runs its own event loop."""
    stack = Stack(data_dir, Ports.free(), say=_say)
    await asyncio.to_thread(stack.start, START_TIMEOUT_S)
    return stack


def directory_client(stack: Stack) -> PeerClient:
    """A `PeerClient` as the locker holds one: a fresh service token scoped to the check on
    each call, signed with the locker's key (which the directory trusts for that scope)."""
    settings = ServiceSettings(
        service_name=CALLER, service_signing_key=stack.keys.service_keys[CALLER]
    )
    return PeerClient(
        stack.service_url("directory"),
        settings,
        callee="directory",
        scope=DIRECTORY_REACHABILITY,
        timeout_s=60.0,
    )


async def _call(client: PeerClient, check: Check) -> Verdict:
    request = ReachabilityRequest(sender_id=check.sender, recipients=check.recipients)
    return await client.call("POST", REACHABILITY_PATH, Verdict, request)


async def agree(client: PeerClient, checks: list[Check], expected: list[Verdict]) -> None:
    """The process answers as the in-process check did on the same store: else its timings
    would time something else."""
    for i, (check, verdict) in enumerate(zip(checks, expected, strict=False)):
        got = await _call(client, check)
        if got != verdict:
            raise WrongDecision(
                f"directory bench: check {i} over HTTP answered {got}, in-process {verdict}"
            )


async def measure(client: PeerClient, checks: list[Check], callers: int) -> list[float]:
    """`callers` concurrent callers share `checks`, each call after its previous answer;
    milliseconds of each answered call after the first HTTP_WARMUP answers."""
    pending = iter(checks)
    timings: list[float] = []
    answered = 0

    async def caller() -> None:
        nonlocal answered
        for check in pending:
            started = time.perf_counter()
            await _call(client, check)
            elapsed = time.perf_counter() - started
            answered += 1
            if answered > HTTP_WARMUP:
                timings.append(elapsed * 1000)

    await asyncio.gather(*(caller() for _ in range(callers)))
    return timings
