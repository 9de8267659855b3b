"""The whole platform, each service its own process, for a module of security tests that
needs it as `make run` starts it (modules with settings of their own start their own)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from ent_devstack.stack import Ports, Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    platform = Stack(tmp_path_factory.mktemp("platform"), Ports.free())
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=30.0) as client:
        yield client
