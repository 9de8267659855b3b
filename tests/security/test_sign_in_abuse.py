"""Sign-in abuse against the real platform (each service its own process): 50 wrong
passwords sent at once for one login are throttled after the free failures (429 with
Retry-After, nothing hashed), and 50 sign-ins from 50 addresses for 50 logins, which no
throttle stops, keep the directory's memory bounded (its argon2 pool runs two hashes at
once). Every attempt is a security event in the gateway's log, never with the password.

Prints `FAULT signin.directory_peak_mb <growth of the directory's peak RSS, in MB>`."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ent_devstack.stack import Ports, Stack

pytestmark = pytest.mark.e2e

PARALLEL = 50
FREE_FAILURES = 5  # the gateway's default ENT_SIGN_IN_FREE_FAILURES
WRONG = "not-the-password-0451"
MAX_GROWTH_MB = 150  # the directory's pod limit is 512 Mi; it idles near 100 MB


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    extra_env = {
        # The test stands for the proxy in front of the gateway (as the chart's Ingress).
        "ENT_TRUSTED_PROXY_HEADER": "x-forwarded-for",
        "ENT_TRUSTED_PROXY_HOPS": "1",
    }
    platform = Stack(tmp_path_factory.mktemp("sign-in-abuse"), Ports.free(), extra_env=extra_env)
    platform.start()
    yield platform
    platform.stop()


def peak_rss_mb(pid: int) -> float:
    """The process's high-water mark of resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


async def sign_in_all(gateway: str, attempts: list[tuple[str, str]]) -> list[httpx.Response]:
    """(login, client address) each sent at once, with a wrong password."""
    limits = httpx.Limits(max_connections=PARALLEL * 2)
    async with httpx.AsyncClient(base_url=gateway, timeout=120, limits=limits) as client:
        return await asyncio.gather(
            *(
                client.post(
                    "/api/auth/login",
                    json={"login": login, "password": WRONG},
                    headers={"x-forwarded-for": address},
                )
                for login, address in attempts
            )
        )


def security_events(log_file: Path) -> list[dict[str, object]]:
    events = []
    for line in log_file.read_text().splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("security_event") == "sign_in":
                events.append(record)
    return events


async def test_fifty_wrong_passwords_at_once_are_throttled_and_memory_stays_bounded(
    stack: Stack,
) -> None:
    directory = stack.processes["directory"]
    before_mb = peak_rss_mb(directory.pid)

    # One login, one address: the free failures are judged, the rest wait.
    one_login = await sign_in_all(stack.gateway_url, [("lucas.martin", "198.51.100.7")] * 50)
    statuses = Counter(answer.status_code for answer in one_login)
    assert statuses == {401: FREE_FAILURES, 429: PARALLEL - FREE_FAILURES}, statuses
    for answer in one_login:
        if answer.status_code == 429:
            assert int(answer.headers["retry-after"]) >= 1
            assert answer.json()["code"] == "too_many_attempts"

    # A spread attack: 50 addresses, 50 logins, below every threshold. Unknown logins cost
    # one hash each too, so each of these is a real argon2 computation in the directory.
    spread = [
        ("prof.francais" if n == 0 else f"inconnu.{n}", f"203.0.113.{n + 1}")
        for n in range(PARALLEL)
    ]
    answers = await sign_in_all(stack.gateway_url, spread)
    assert Counter(answer.status_code for answer in answers) == {401: PARALLEL}

    growth_mb = peak_rss_mb(directory.pid) - before_mb
    print(f"FAULT signin.directory_peak_mb {growth_mb:.1f}", flush=True)
    assert growth_mb < MAX_GROWTH_MB

    events = security_events(stack.log_file("gateway"))
    outcomes = Counter((e["outcome"], e["reason"]) for e in events)
    assert outcomes[("failure", "invalid_credentials")] == FREE_FAILURES + PARALLEL
    assert outcomes[("throttled", "too_many_attempts")] == PARALLEL - FREE_FAILURES
    assert {e["client_address"] for e in events} >= {"198.51.100.7", "203.0.113.50"}
    assert WRONG not in stack.log_file("gateway").read_text()
    assert WRONG not in stack.log_file("directory").read_text()
