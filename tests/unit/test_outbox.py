"""OutboxRelay: the event log published in position order, checkpointed after the ack."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import pytest
from ent_kit.outbox import CHECKPOINTS, OutboxRelay, read_checkpoint
from ent_kit.repository import Repository
from ent_kit.signal import AppendSignal
from ent_kit.storage import Storage, StoredEvent
from kit_fixtures import (
    ALICE,
    Person,
    RecordingPublisher,
    StorageOpener,
    append_interleaved,
    append_users,
    storage,
    storage_opener,
)

__all__ = ["storage", "storage_opener"]


class CrashAfterAck(RecordingPublisher):
    """Records a batch as acknowledged by the broker, then the process 'dies' (cancelled)
    before the relay gets to write its checkpoint."""

    def __init__(self, crash_on_call: int) -> None:
        super().__init__()
        self.crash_on_call = crash_on_call

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        await super().publish(events)
        if self.calls == self.crash_on_call:
            raise asyncio.CancelledError


class FailingOnce(RecordingPublisher):
    """The broker rejects the batch containing `fail_at` the first `failures` times."""

    def __init__(self, fail_at: int, failures: int = 1) -> None:
        super().__init__()
        self.fail_at = fail_at
        self.failures = failures
        self.attempts: list[list[int]] = []

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        self.attempts.append([e.position for e in events])
        if self.failures and any(e.position == self.fail_at for e in events):
            self.failures -= 1
            raise ConnectionError("broker unavailable")
        await super().publish(events)


async def stop_relay(relay: OutboxRelay, task: asyncio.Task[None]) -> None:
    await relay.stop()
    await asyncio.wait_for(task, 2.0)


async def test_drain_publishes_every_event_in_position_order_and_returns_count(
    storage: Storage,
) -> None:
    last = await append_interleaved(storage, ["a", "b", "c"], rounds=4)
    publisher = RecordingPublisher()
    relay = OutboxRelay(storage, publisher, AppendSignal(), batch_size=5)

    assert await relay.drain() == 12

    assert publisher.positions == list(range(1, last + 1))
    assert publisher.calls == 3  # batches of 5, 5, 2
    assert await read_checkpoint(storage, "outbox") == last
    assert await storage.documents.get(CHECKPOINTS, "outbox") == {"id": "outbox", "position": 12}


async def test_drain_keeps_order_per_aggregate(storage: Storage) -> None:
    await append_interleaved(storage, ["a", "b"], rounds=3)
    await append_users(storage, "c", 4)
    publisher = RecordingPublisher()

    await OutboxRelay(storage, publisher, AppendSignal(), batch_size=2).drain()

    versions: dict[str, list[int]] = {}
    for stored in publisher.published:
        versions.setdefault(stored.envelope.aggregate_id, []).append(
            stored.envelope.aggregate_version
        )
    assert versions == {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3, 4]}


async def test_second_drain_publishes_only_new_events(storage: Storage) -> None:
    await append_users(storage, "a", 3)
    publisher = RecordingPublisher()
    relay = OutboxRelay(storage, publisher, AppendSignal())
    assert await relay.drain() == 3

    assert await relay.drain() == 0
    assert publisher.calls == 1

    await append_users(storage, "a", 2, after=3)
    assert await relay.drain() == 2
    assert publisher.positions == [1, 2, 3, 4, 5]


async def test_drain_on_empty_log_publishes_nothing(storage: Storage) -> None:
    publisher = RecordingPublisher()
    assert await OutboxRelay(storage, publisher, AppendSignal()).drain() == 0
    assert publisher.calls == 0
    assert await read_checkpoint(storage, "outbox") == 0


async def test_relays_with_different_names_keep_separate_checkpoints(storage: Storage) -> None:
    await append_users(storage, "a", 3)
    first, second = RecordingPublisher(), RecordingPublisher()
    await OutboxRelay(storage, first, AppendSignal(), name="one").drain()

    assert await read_checkpoint(storage, "one") == 3
    assert await read_checkpoint(storage, "two") == 0
    assert await OutboxRelay(storage, second, AppendSignal(), name="two").drain() == 3
    assert second.positions == [1, 2, 3]


async def test_killed_between_publish_and_checkpoint_republishes_then_continues(
    storage_opener: StorageOpener,
) -> None:
    first_process = await storage_opener.open()
    await append_interleaved(first_process, ["a", "b"], rounds=5)  # positions 1..10
    dying = CrashAfterAck(crash_on_call=2)
    relay = OutboxRelay(first_process, dying, AppendSignal(), batch_size=4)

    with pytest.raises(asyncio.CancelledError):
        await relay.drain()

    # The broker acknowledged 1..8, but only the first batch was checkpointed.
    assert dying.positions == list(range(1, 9))
    assert await read_checkpoint(first_process, "outbox") == 4
    await storage_opener.close(first_process)

    second_process = await storage_opener.open()
    await append_users(second_process, "c", 2)  # appended while the relay was down: 11, 12
    restarted = RecordingPublisher()
    published = await OutboxRelay(second_process, restarted, AppendSignal(), batch_size=4).drain()

    # The unacknowledged-by-checkpoint batch goes out again first, then the rest.
    assert restarted.positions == list(range(5, 13))
    assert published == 8
    assert [e.envelope.event_id for e in restarted.published[:4]] == [
        e.envelope.event_id for e in dying.published[4:8]
    ]
    # Across both lives: duplicates, never a gap.
    assert set(dying.positions) | set(restarted.positions) == set(range(1, 13))
    assert await read_checkpoint(second_process, "outbox") == 12


async def test_cancelled_run_task_republishes_from_old_checkpoint(storage: Storage) -> None:
    await append_users(storage, "a", 3)
    acknowledged = asyncio.Event()
    never = asyncio.Event()

    class AckThenHang(RecordingPublisher):
        async def publish(self, events: Sequence[StoredEvent]) -> None:
            await super().publish(events)
            acknowledged.set()
            await never.wait()  # the process is killed here, before the checkpoint

    hanging = AckThenHang()
    signal = AppendSignal()
    task = asyncio.create_task(OutboxRelay(storage, hanging, signal, poll_interval=0.05).run())
    await asyncio.wait_for(acknowledged.wait(), 2.0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()
    assert hanging.positions == [1, 2, 3]
    assert await read_checkpoint(storage, "outbox") == 0

    restarted = RecordingPublisher()
    assert await OutboxRelay(storage, restarted, AppendSignal()).drain() == 3
    assert restarted.positions == [1, 2, 3]


async def test_run_retries_a_failed_publish_without_skipping(storage: Storage) -> None:
    await append_users(storage, "a", 6)
    flaky = FailingOnce(fail_at=3, failures=2)
    relay = OutboxRelay(storage, flaky, AppendSignal(), batch_size=2, poll_interval=0.01)
    task = asyncio.create_task(relay.run())
    try:
        await flaky.wait_for(lambda: len(flaky.published) >= 6, timeout=3.0)
    finally:
        await stop_relay(relay, task)

    assert flaky.positions == [1, 2, 3, 4, 5, 6]
    assert flaky.attempts == [[1, 2], [3, 4], [3, 4], [3, 4], [5, 6]]
    assert await read_checkpoint(storage, "outbox") == 6


async def test_failed_drain_leaves_checkpoint_at_last_acknowledged_batch(
    storage: Storage,
) -> None:
    await append_users(storage, "a", 6)
    flaky = FailingOnce(fail_at=5)
    relay = OutboxRelay(storage, flaky, AppendSignal(), batch_size=2)

    with pytest.raises(ConnectionError):
        await relay.drain()
    assert await read_checkpoint(storage, "outbox") == 4

    assert await relay.drain() == 2
    assert flaky.positions == [1, 2, 3, 4, 5, 6]


async def test_run_publishes_new_appends_as_soon_as_signalled(storage: Storage) -> None:
    signal = AppendSignal()
    publisher = RecordingPublisher()
    # A poll interval far longer than the test: only the signal can wake the relay.
    relay = OutboxRelay(storage, publisher, signal, poll_interval=30.0)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.05)  # the relay found nothing and now waits
        repository = Repository(storage.events, Person, signal)
        person = Person("p1")
        person.register("camille")
        position = await repository.save(person, ALICE)
        await publisher.wait_for(lambda: position in publisher.positions, timeout=2.0)
    finally:
        await stop_relay(relay, task)
    assert publisher.positions == [position]


async def test_stop_ends_run_promptly(storage: Storage) -> None:
    relay = OutboxRelay(storage, RecordingPublisher(), AppendSignal(), poll_interval=30.0)
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(0.02)
    await relay.stop()
    await asyncio.wait_for(task, 1.0)
    assert task.done()
    assert task.exception() is None


async def test_signal_ticket_taken_before_an_append_is_woken() -> None:
    signal = AppendSignal()
    ticket = signal.ticket()
    signal.notify()
    await asyncio.wait_for(signal.wait(ticket, timeout=30.0), 0.5)
    assert ticket.is_set()
    assert not signal.ticket().is_set()  # the next follower waits for the next append


async def test_signal_wait_returns_after_timeout_without_raising() -> None:
    signal = AppendSignal()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await signal.wait(signal.ticket(), timeout=0.05)
    assert 0.04 <= loop.time() - started < 0.5
