"""The aggregate cache: a command on a recently committed aggregate decides from memory,
and a copy made stale by another writer never decides anything that is kept."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import pytest
from ent_contracts import Envelope
from ent_kit.aggregate_cache import AggregateCache, weight
from ent_kit.errors import NotFound
from ent_kit.repository import Repository
from ent_kit.signal import AppendSignal
from ent_kit.storage import EventStore, Storage, StoredEvent
from kit_fixtures import ALICE, Person, storage

__all__ = ["storage"]


class CountingReads:
    """The event store, counting the streams read."""

    def __init__(self, events: EventStore) -> None:
        self._events = events
        self.streams_read = 0

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[Envelope]
    ) -> int:
        return await self._events.append(stream_id, expected_version, events)

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[Envelope]:
        self.streams_read += 1
        return await self._events.read_stream(stream_id, after_version)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        return await self._events.read_all(after_position, limit)

    async def last_position(self) -> int:
        return await self._events.last_position()


def register(login: str) -> Callable[[Person], list[str]]:
    def decide(person: Person) -> list[str]:
        person.register(login)
        return list(person.logins)

    return decide


async def stored_logins(storage: Storage, person_id: str) -> list[str]:
    person = await Repository(storage.events, Person, AppendSignal()).get(person_id)
    assert person is not None
    return person.logins


async def created_and_counted(storage: Storage) -> tuple[Repository[Person], CountingReads]:
    """p1 created with ["a"] by a repository whose stream reads are counted."""
    reads = CountingReads(storage.events)
    repository = Repository(reads, Person, AppendSignal())
    await repository.update("p1", register("a"), ALICE, create=True)
    return repository, reads


async def cached_and_rivalled(storage: Storage) -> tuple[Repository[Person], CountingReads]:
    """p1 committed and cached by `ours` at ["a"], then "b" appended by another replica."""
    ours, reads = await created_and_counted(storage)
    rival = Repository(storage.events, Person, AppendSignal())
    await rival.update("p1", register("b"), ALICE)
    return ours, reads


async def test_a_recently_committed_aggregate_decides_without_reading_its_stream(
    storage: Storage,
) -> None:
    repository, reads = await created_and_counted(storage)
    read_to_create = reads.streams_read

    second = await repository.update("p1", register("b"), ALICE)
    third = await repository.update("p1", register("c"), ALICE)

    assert reads.streams_read == read_to_create
    assert (second.result, third.result) == (["a", "b"], ["a", "b", "c"])
    assert third.position == await storage.events.last_position()
    assert await stored_logins(storage, "p1") == ["a", "b", "c"]


async def test_a_copy_made_stale_by_another_writer_conflicts_and_decides_again(
    storage: Storage,
) -> None:
    ours, reads = await cached_and_rivalled(storage)
    before = reads.streams_read

    saved = await ours.update("p1", register("mine"), ALICE)

    assert saved.result == ["a", "b", "mine"]
    assert reads.streams_read == before + 1
    assert await stored_logins(storage, "p1") == ["a", "b", "mine"]


async def test_a_refusal_on_a_stale_copy_is_decided_again_on_stored_state(
    storage: Storage,
) -> None:
    ours, _ = await cached_and_rivalled(storage)

    def after_b(person: Person) -> str:
        if "b" not in person.logins:
            raise ValueError("b must register first")
        person.register("c")
        return "registered"

    saved = await ours.update("p1", after_b, ALICE)

    assert saved.result == "registered"
    assert await stored_logins(storage, "p1") == ["a", "b", "c"]


async def test_a_refusal_on_current_state_still_refuses_and_keeps_nothing(
    storage: Storage,
) -> None:
    repository, reads = await created_and_counted(storage)

    with pytest.raises(ValueError, match="login taken"):
        await repository.update("p1", register("a"), ALICE)
    before = reads.streams_read
    await repository.update("p1", register("b"), ALICE)

    assert reads.streams_read == before + 1  # the refused copy was not kept
    assert await stored_logins(storage, "p1") == ["a", "b"]


async def test_an_answer_without_events_comes_from_stored_state(storage: Storage) -> None:
    ours, _ = await cached_and_rivalled(storage)

    answer = await ours.update("p1", lambda person: list(person.logins), ALICE)

    assert answer.result == ["a", "b"]
    assert answer.position == 0


async def test_an_aggregate_created_without_events_stays_missing(storage: Storage) -> None:
    repository = Repository(storage.events, Person, AppendSignal())
    await repository.update("p1", lambda person: None, ALICE, create=True)

    with pytest.raises(NotFound):
        await repository.update("p1", register("a"), ALICE)
    assert await storage.events.read_stream("p1") == []


async def test_concurrent_commands_on_one_cached_aggregate_all_commit(storage: Storage) -> None:
    repository = Repository(storage.events, Person, AppendSignal())
    await repository.update("p1", register("a"), ALICE, create=True)

    await asyncio.gather(*(repository.update("p1", register(f"n{i}"), ALICE) for i in range(4)))

    logins = await stored_logins(storage, "p1")
    assert sorted(logins) == ["a", "n0", "n1", "n2", "n3"]
    after = await repository.update("p1", register("z"), ALICE)
    assert after.result == [*logins, "z"]


def person_at(person_id: str, version: int, logins: int = 0) -> Person:
    person = Person(person_id)
    person.version = version
    person.logins = [f"login-{i}" for i in range(logins)]
    return person


def test_the_cache_is_bounded_by_the_entries_its_aggregates_hold() -> None:
    cache: AggregateCache[Person] = AggregateCache(max_entries=10)
    for person_id in ("p1", "p2", "p3"):
        cache.keep(person_at(person_id, 4))

    assert cache.take("p1") is None  # the least recently kept made room
    assert [cache.take(p) is not None for p in ("p2", "p3")] == [True, True]
    cache.keep(person_at("long", 11))
    cache.keep(person_at("one event, many entries", 1, logins=11))
    assert len(cache) == 0


def test_an_aggregate_weighs_its_events_or_its_collections_entries() -> None:
    assert weight(person_at("p", 7, logins=3)) == 7
    assert weight(person_at("p", 1, logins=200)) == 200
    assert weight(person_at("p", 0)) == 1


def test_an_older_version_never_replaces_a_kept_newer_one() -> None:
    cache: AggregateCache[Person] = AggregateCache()
    cache.keep(person_at("p1", 3))
    cache.keep(person_at("p1", 2))

    kept = cache.take("p1")

    assert kept is not None
    assert kept.version == 3
    assert len(cache) == 0
