"""The operator's commands: rebuild a projection, retry parked events, prune markers."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from ent_kit.kafka_projection import KafkaProjection
from ent_kit.lease import Lease
from ent_kit.operations import (
    PIPELINE_LEASE,
    ServiceRunning,
    exclusive,
    prune_markers,
    rebuild,
    retry_parked,
)
from ent_kit.outbox import read_checkpoint
from ent_kit.parking import PoisonPolicy, now, parked_events
from ent_kit.projections import PROCESSED, LocalProjector
from ent_kit.signal import AppendSignal
from ent_kit.storage import Storage, open_storage
from kit_fixtures import (
    SchoolRoster,
    all_docs,
    append_users,
    school_count,
    storage,
    unknown_envelope,
    user_envelopes,
)

__all__ = ["storage"]

QUICK = PoisonPolicy(attempts=2, first_pause_s=0.0)


async def test_rebuild_empties_the_projection_and_applies_the_whole_log(storage: Storage) -> None:
    last = await append_users(storage, "a", 5)
    await LocalProjector(storage, SchoolRoster(), AppendSignal()).drain()
    async with storage.documents.transaction() as tx:  # a read model gone wrong
        await tx.put("users", "ghost", {"login": "nobody"})
        await tx.put("schools", "school-1", {"users": 99})
    seen: list[tuple[int, int]] = []

    async with exclusive(storage, ttl_s=5.0) as lease:
        rebuilt = await rebuild(storage, SchoolRoster(), lease, lambda d, t: seen.append((d, t)))

    assert rebuilt == last
    assert await school_count(storage) == 5
    assert {d["id"] for d in await all_docs(storage, "users")} == {f"a-u{i}" for i in range(1, 6)}
    assert await read_checkpoint(storage, "projection:roster") == last
    assert seen[-1] == (last, last)


async def test_rebuild_applies_event_types_unknown_when_first_seen(storage: Storage) -> None:
    await append_users(storage, "a", 1)
    await storage.events.append("b", 0, [unknown_envelope("b")])
    applied: list[str] = []

    class Upgraded(SchoolRoster):
        """The next version, which knows every event type on the log."""

        async def apply(self, tx, envelope, event):  # type: ignore[no-untyped-def]
            applied.append(envelope.type)
            await super().apply(tx, envelope, event)

    async with exclusive(storage, ttl_s=5.0) as lease:
        await rebuild(storage, Upgraded(), lease)
    # The unknown type is still unknown to this code: skipped again, never parked.
    assert applied == ["directory.UserRegistered"]
    assert [p async for p in parked_events(storage.documents)] == []


async def test_rebuild_refuses_while_a_replica_holds_the_lease(storage: Storage) -> None:
    running = Lease(storage.documents, PIPELINE_LEASE, ttl_s=30.0, owner="locker-0")
    assert await running.acquire_or_renew()

    with pytest.raises(ServiceRunning, match="locker-0"):
        async with exclusive(storage, ttl_s=5.0):
            pass


async def test_operator_lease_is_released_for_the_service(storage: Storage) -> None:
    async with exclusive(storage, ttl_s=30.0):
        pass
    assert await Lease(storage.documents, PIPELINE_LEASE, ttl_s=30.0).acquire_or_renew()


async def test_retry_parked_applies_once_fixed_and_keeps_what_still_fails(
    storage: Storage,
) -> None:
    batch = user_envelopes("a", 4)
    broken = SchoolRoster(fail_on_login="login.a-u2")
    await KafkaProjection(storage, broken, policy=QUICK).handle(batch)
    assert await school_count(storage) == 3

    still_broken = await retry_parked(storage, [SchoolRoster(fail_on_login="login.a-u2")])
    assert still_broken.applied == []
    [again] = still_broken.failed
    assert again.event_id == batch[1].event_id

    fixed = await retry_parked(storage, [SchoolRoster()])
    assert fixed.applied == [batch[1].event_id]
    assert await school_count(storage) == 4
    assert [p async for p in parked_events(storage.documents)] == []
    # Applied exactly once: a redelivery of the batch changes nothing.
    assert await KafkaProjection(storage, SchoolRoster()).handle(batch) == 0
    assert await school_count(storage) == 4


async def test_markers_older_than_the_retention_are_pruned(storage: Storage) -> None:
    await KafkaProjection(storage, SchoolRoster()).handle(user_envelopes("a", 3))
    old = (now() - timedelta(days=8)).isoformat()
    async with storage.documents.transaction() as tx:
        await tx.put(PROCESSED, "roster:old-1", {"at": old, "projection": "roster"})
        await tx.put(PROCESSED, "roster:old-2", {"at": old, "projection": "roster"})

    assert await prune_markers(storage, timedelta(days=7)) == 2
    assert len(await all_docs(storage, PROCESSED)) == 3


async def test_cli_lists_parked_events_and_refuses_a_rebuild_while_running(
    tmp_path: Path,
) -> None:
    store_url = f"sqlite://{tmp_path}/store.db"
    env = {**os.environ, "ENT_STORE_URL": store_url}

    def locker(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ent_locker", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    listed = locker("parked")
    assert listed.returncode == 0, listed.stderr
    assert "0 parked event(s)" in listed.stdout

    rebuilt = locker("rebuild", "--no-progress")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "locker: rebuilt from 0 event(s)" in rebuilt.stdout
    assert "workspace: rebuilt from 0 event(s)" in rebuilt.stdout

    unknown = locker("rebuild", "--projection", "nope")
    assert unknown.returncode == 2
    assert "no local projection named 'nope'" in unknown.stdout

    running = await open_storage(store_url, service_name="locker")
    try:
        replica = Lease(running.documents, PIPELINE_LEASE, ttl_s=60.0, owner="locker-7")
        assert await replica.acquire_or_renew()
        refused = locker("rebuild", "--no-progress")
    finally:
        await running.close()
    assert refused.returncode == 2
    assert "held by locker-7" in refused.stdout
