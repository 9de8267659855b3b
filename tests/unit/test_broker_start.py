"""The kit's FastStream broker starts its consumers together; one that fails stops the
others and fails the start with its own error, leaving the caller's task as it was."""

from __future__ import annotations

import asyncio

import pytest
from ent_kit.messaging import make_broker


class Subscriber:
    def __init__(self, fails: bool) -> None:
        self.fails = fails
        self.cancelled = False

    async def start(self) -> None:
        if self.fails:
            await asyncio.sleep(0.01)
            raise RuntimeError("no group assignment")
        try:
            await asyncio.sleep(30)  # joining its group
        except asyncio.CancelledError:
            self.cancelled = True
            raise


async def no_connection() -> None:
    return None


async def test_a_consumer_that_fails_to_start_cancels_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broker = make_broker("127.0.0.1:1", client_id="t", idempotence=False)
    waiting, failing = Subscriber(fails=False), Subscriber(fails=True)
    monkeypatch.setattr(type(broker), "subscribers", property(lambda _: [waiting, failing]))
    monkeypatch.setattr(broker, "connect", no_connection)

    with pytest.raises(RuntimeError, match="no group assignment"):
        await broker.start()

    assert waiting.cancelled
    # A TaskGroup would have left this task cancelled (Python 3.11): the link's next
    # timeout would then end the link instead of trying again.
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
