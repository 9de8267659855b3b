"""The directory down: the locker cannot ask who may write to whom, so a deposit through
the gateway is refused with 503 problem+json `upstream_unavailable` (nothing stored), and
accepted again once the directory is back."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import httpx
import pytest
from ent_devstack.stack import Ports, Stack
from platform_faults import deposit, fault, mon_casier, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    platform = Stack(tmp_path_factory.mktemp("peer-outage"), Ports.free())
    platform.start()
    yield platform
    platform.stop()


def test_a_deposit_while_the_directory_is_down_is_503_upstream_unavailable(
    stack: Stack,
) -> None:
    sender = sign_in(stack.gateway_url, "lucas.martin")  # signing in needs the directory
    recipient = sign_in(stack.gateway_url, "prof.francais")
    api = httpx.Client(base_url=stack.gateway_url, timeout=30)
    stack.stop_process("directory", signal.SIGKILL)
    try:
        started = time.monotonic()
        refused = deposit(api, sender, recipient, n=1)
        refused_ms = (time.monotonic() - started) * 1000
    finally:
        stack.start_process("directory")

    fault("peer_outage.deposit_refused_ms", round(refused_ms))
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "upstream_unavailable"
    assert problem["status"] == 503
    accepted = deposit(api, sender, recipient, n=2)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["document_id"] in mon_casier(api, recipient)
