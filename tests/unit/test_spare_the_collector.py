"""A service freezes what it loaded before it serves, so that the cyclic collector's full
collections skip it (each one paused every request for 140-250 ms), and collects the
garbage there is first rather than keeping it for good."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from ent_kit import service
from ent_kit.settings import ServiceSettings


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    seen: dict[str, Any] = {}

    def run(app: object, **options: object) -> None:
        seen["frozen"] = gc.get_freeze_count()
        seen["options"] = options

    monkeypatch.setattr(service.uvicorn, "run", run)
    try:
        yield seen
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual


async def app(scope: object, receive: object, send: object) -> None:
    raise AssertionError("not called")


def test_what_was_loaded_is_frozen_before_the_first_request(served: dict[str, Any]) -> None:
    kept = [Node() for _ in range(100)]
    service.serve(app, ServiceSettings(service_name="frozen"))
    assert served["frozen"] >= len(kept)
    assert served["options"]["loop"] == "uvloop"
    # Frozen objects are in no generation the collector goes through.
    assert not any(o is kept[0] for o in gc.get_objects())


def test_garbage_is_collected_before_the_freeze(served: dict[str, Any]) -> None:
    dropped = Node()
    gone = weakref.ref(dropped)
    del dropped
    service.serve(app, ServiceSettings(service_name="frozen"))
    assert gone() is None
