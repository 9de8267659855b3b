"""The whole platform, each service its own process, against the real broker: one per module."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from ent_devstack.stack import Ports, Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("platform")
    platform = Stack(data_dir, Ports.free(), traces_file=data_dir / "traces.jsonl")
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=30.0) as client:
        yield client
