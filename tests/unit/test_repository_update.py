"""Repository.update: the one way commands change an aggregate (load, decide, save, retry)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from ent_contracts import Envelope
from ent_kit.errors import NotFound
from ent_kit.repository import ATTEMPTS, Repository, envelope_for
from ent_kit.signal import AppendSignal
from ent_kit.storage import ConcurrencyConflict, EventStore, Storage, StoredEvent
from kit_fixtures import ALICE, Person, storage, user_registered

__all__ = ["storage"]


class RivalWrites:
    """An event store where another writer appends to the same stream just before each of
    our first `rivals` appends: a real conflict, decided by the store."""

    def __init__(self, events: EventStore, rivals: int) -> None:
        self._events = events
        self.rivals_left = rivals

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[Envelope]
    ) -> int:
        if self.rivals_left:
            self.rivals_left -= 1
            current = len(await self._events.read_stream(stream_id))
            rival = user_registered(stream_id, login=f"rival-{self.rivals_left}")
            await self._events.append(
                stream_id, current, [envelope_for(rival, stream_id, current + 1, ALICE)]
            )
        return await self._events.append(stream_id, expected_version, events)

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[Envelope]:
        return await self._events.read_stream(stream_id, after_version)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        return await self._events.read_all(after_position, limit)

    async def last_position(self) -> int:
        return await self._events.last_position()


def register(login: str, seen: list[list[str]]) -> Callable[[Person], int]:
    def decide(person: Person) -> int:
        seen.append(list(person.logins))
        person.register(login)
        return len(person.logins)

    return decide


async def test_update_decides_saves_and_reports_result_and_position(storage: Storage) -> None:
    repository = Repository(storage.events, Person, AppendSignal())
    seen: list[list[str]] = []

    created = await repository.update("p1", register("a", seen), ALICE, create=True)
    changed = await repository.update("p1", register("b", seen), ALICE)

    assert (created.result, created.position) == (1, 1)
    assert (changed.result, changed.position) == (2, 2)
    assert seen == [[], ["a"]]
    person = await repository.get("p1")
    assert person is not None
    assert person.logins == ["a", "b"]


async def test_update_of_a_missing_aggregate_is_not_found_unless_created(
    storage: Storage,
) -> None:
    repository = Repository(storage.events, Person, AppendSignal())

    with pytest.raises(NotFound) as missing:
        await repository.update("nobody", register("a", []), ALICE)

    assert missing.value.reason == "not_found"
    assert await storage.events.read_stream("nobody") == []


async def test_update_that_decides_nothing_appends_nothing(storage: Storage) -> None:
    repository = Repository(storage.events, Person, AppendSignal())
    await repository.update("p1", register("a", []), ALICE, create=True)

    unchanged = await repository.update("p1", lambda person: person.logins, ALICE)

    assert unchanged.position == 0
    assert unchanged.result == ["a"]
    assert len(await storage.events.read_stream("p1")) == 1


async def test_update_decides_again_on_fresh_state_after_a_conflict(storage: Storage) -> None:
    await Repository(storage.events, Person, AppendSignal()).update(
        "p1", register("a", []), ALICE, create=True
    )
    rivals = RivalWrites(storage.events, rivals=2)
    repository = Repository(rivals, Person, AppendSignal())
    seen: list[list[str]] = []

    saved = await repository.update("p1", register("mine", seen), ALICE)

    assert seen == [["a"], ["a", "rival-1"], ["a", "rival-1", "rival-0"]]
    person = await repository.get("p1")
    assert person is not None
    assert person.logins == ["a", "rival-1", "rival-0", "mine"]
    assert saved.position == await storage.events.last_position()


async def test_update_gives_up_after_a_bounded_number_of_conflicts(storage: Storage) -> None:
    await Repository(storage.events, Person, AppendSignal()).update(
        "p1", register("a", []), ALICE, create=True
    )
    repository = Repository(RivalWrites(storage.events, rivals=ATTEMPTS), Person, AppendSignal())
    seen: list[list[str]] = []

    with pytest.raises(ConcurrencyConflict) as conflict:
        await repository.update("p1", register("mine", seen), ALICE)

    assert conflict.value.stream_id == "p1"
    assert len(seen) == ATTEMPTS
    person = await repository.get("p1")
    assert person is not None
    assert "mine" not in person.logins
