"""The lease every storage adapter gives (ent_kit.lease, built on the DocumentStore port):
each test runs against SQLite and, when ENT_TEST_MONGODB_URL is set, MongoDB. Two holders
are two storages opened on one database, as two replicas of a service would."""

from __future__ import annotations

import asyncio
import time

import pytest
from conftest_storage import StorageOpener, storage_opener
from ent_kit.lease import Lease, LeaseLost
from ent_kit.storage import Document, Storage

# Fixtures, imported so that pytest finds them in this module.
__all__ = ["storage_opener"]

TTL = 10.0


class Clock:
    """A wall clock the test moves by hand, shared by both holders."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def lease(storage: Storage, clock: Clock, owner: str) -> Lease:
    return Lease(storage.documents, "pipeline", ttl_s=TTL, owner=owner, clock=clock)


async def guarded_write(storage: Storage, holder: Lease, writes: dict[str, Document]) -> None:
    """A follower's transaction: its writes (collection/id -> document), then the check."""
    async with storage.documents.transaction() as tx:
        for key, doc in writes.items():
            collection, doc_id = key.split("/")
            await tx.put(collection, doc_id, doc)
        await holder.verify(tx)


async def two_holders(opener: StorageOpener, clock: Clock) -> tuple[Lease, Lease]:
    first, second = await opener.open(), await opener.open()
    return lease(first, clock, "replica-a"), lease(second, clock, "replica-b")


async def test_a_second_holder_is_refused_while_the_first_is_alive(
    storage_opener: StorageOpener,
) -> None:
    clock = Clock()
    a, b = await two_holders(storage_opener, clock)

    assert await a.acquire_or_renew()
    assert a.token == 1
    clock.now += TTL - 0.5
    assert not await b.acquire_or_renew()
    assert b.token is None
    assert not b.held
    state = await b.current()
    assert state is not None
    assert (state.owner, state.token) == ("replica-a", 1)


async def test_an_expired_lease_is_taken_over_with_a_higher_token(
    storage_opener: StorageOpener,
) -> None:
    clock = Clock()
    a, b = await two_holders(storage_opener, clock)
    assert await a.acquire_or_renew()

    clock.now += TTL + 0.1  # a stopped renewing (killed, or frozen)
    assert await b.acquire_or_renew()
    assert b.token == 2
    assert not await a.acquire_or_renew()  # a's late renewal is refused
    assert a.token is None

    clock.now += TTL + 0.1
    assert await a.acquire_or_renew()  # and back: every change of owner raises the token
    assert a.token == 3


async def test_renewal_keeps_the_lease(storage_opener: StorageOpener) -> None:
    clock = Clock()
    a, b = await two_holders(storage_opener, clock)
    assert await a.acquire_or_renew()
    for _ in range(3):
        clock.now += TTL * 0.6  # past the first expiry, but renewed in time each time
        assert await a.acquire_or_renew()
        assert not await b.acquire_or_renew()
    assert a.token == 1
    state = await a.current()
    assert state is not None
    assert state.expires_at == pytest.approx(clock.now + TTL)


async def test_a_stale_holders_transaction_writes_nothing(
    storage_opener: StorageOpener,
) -> None:
    clock = Clock()
    first = await storage_opener.open()
    a = lease(first, clock, "replica-a")
    b = lease(await storage_opener.open(), clock, "replica-b")
    assert await a.acquire_or_renew()

    await guarded_write(first, a, {"usage/alice": {"bytes": 100}})  # the holder's: kept
    clock.now += TTL + 0.1
    assert await b.acquire_or_renew()

    stale = {
        "usage/alice": {"bytes": 200},
        "usage/bob": {"bytes": 100},
        "_checkpoints/projection:locker": {"position": 42},
    }
    with pytest.raises(LeaseLost, match="replica-b"):
        await guarded_write(first, a, stale)

    assert await first.documents.get("usage", "alice") == {"id": "alice", "bytes": 100}
    assert await first.documents.get("usage", "bob") is None
    assert await first.documents.get("_checkpoints", "projection:locker") is None


async def test_verify_refuses_an_expired_lease_nobody_took(
    storage_opener: StorageOpener,
) -> None:
    clock = Clock()
    storage = await storage_opener.open()
    a = lease(storage, clock, "replica-a")
    with pytest.raises(LeaseLost, match="not held"):
        await guarded_write(storage, a, {})  # never acquired
    assert await a.acquire_or_renew()

    clock.now += TTL + 0.1
    with pytest.raises(LeaseLost, match="expired"):
        await guarded_write(storage, a, {"usage/alice": {"bytes": 1}})
    assert await storage.documents.get("usage", "alice") is None


async def test_the_same_owner_reacquiring_keeps_its_token(
    storage_opener: StorageOpener,
) -> None:
    clock = Clock()
    storage = await storage_opener.open()
    a = lease(storage, clock, "replica-a")
    assert await a.acquire_or_renew()
    first_taken = await a.current()

    clock.now += TTL + 5  # expired, but nobody took it meanwhile
    assert await a.acquire_or_renew()
    assert a.token == 1
    again = lease(storage, clock, "replica-a")  # the same owner id, another object
    assert await again.acquire_or_renew()
    assert again.token == 1
    state = await a.current()
    assert state is not None
    assert first_taken is not None
    assert state.acquired_at == first_taken.acquired_at  # one continuous holding


async def test_release_lets_a_peer_take_over_at_once_with_a_higher_token(
    storage_opener: StorageOpener,
) -> None:
    clock = Clock()
    first = await storage_opener.open()
    a = lease(first, clock, "replica-a")
    b = lease(await storage_opener.open(), clock, "replica-b")
    assert await a.acquire_or_renew()

    await a.release()

    assert not a.held
    assert await b.acquire_or_renew()  # no wait for the TTL
    assert b.token == 2
    await a.release()  # releasing what is no longer ours changes nothing
    state = await b.current()
    assert state is not None
    assert (state.owner, state.token) == ("replica-b", 2)
    assert state.live(clock.now)
    with pytest.raises(LeaseLost):
        await guarded_write(first, a, {})


async def test_two_replicas_racing_for_a_free_lease_get_one_holder(
    storage_opener: StorageOpener,
) -> None:
    clock = Clock()
    first, second = await storage_opener.open(), await storage_opener.open()
    for round_ in range(1, 6):
        # Newcomers each round (restarted replicas): whoever wins raises the token.
        a = lease(first, clock, f"replica-a-{round_}")
        b = lease(second, clock, f"replica-b-{round_}")
        results = await asyncio.gather(
            a.acquire_or_renew(), b.acquire_or_renew(), return_exceptions=True
        )
        # MongoDB may abort the loser's transaction (write conflict) instead of refusing it.
        assert sorted(r is True for r in results) == [False, True], results
        assert all(isinstance(r, bool | Exception) for r in results)
        (winner,) = [h for h in (a, b) if h.held]
        state = await a.current()
        assert state is not None
        assert (state.owner, state.token) == (winner.owner, round_)
        clock.now += TTL + 0.1  # expire it: the next round is a free-for-all again
