"""Concurrent appends share one SQLite commit: each is refused or kept on its own, and
each is told the log position of its own last event."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from ent_kit.storage import ConcurrencyConflict, sqlite_events
from ent_kit.storage.sqlite import SqliteStorage
from ent_kit.storage.validation import DuplicateEventId
from kit_fixtures import envelope, user_registered


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    opened = await SqliteStorage.open(tmp_path / "store.db")
    yield opened
    await opened.close()


@pytest.mark.parametrize("with_duplicate", [False, True], ids=["at once", "one by one"])
async def test_one_group_keeps_the_good_appends_and_refuses_each_bad_one(
    db: SqliteStorage, monkeypatch: pytest.MonkeyPatch, with_duplicate: bool
) -> None:
    """All in one INSERT; with a duplicate event id among them, one append at a time."""
    one_by_one = sqlite_events._commit_one_by_one
    slow_groups: list[int] = []

    def counted(conn: sqlite3.Connection, group: list[Any]) -> None:
        slow_groups.append(len(group))
        one_by_one(conn, group)

    monkeypatch.setattr(sqlite_events, "_commit_one_by_one", counted)
    taken = envelope(user_registered("first"), "s0", 1)
    await db.events.append("s0", 0, [taken])
    duplicate = msgspec.structs.replace(
        envelope(user_registered("again"), "s3", 1), event_id=taken.event_id
    )
    appends = {} if not with_duplicate else {"duplicate id": db.events.append("s3", 0, [duplicate])}
    appends |= {
        "two events": db.events.append(
            "s1",
            0,
            [envelope(user_registered("a"), "s1", 1), envelope(user_registered("b"), "s1", 2)],
        ),
        "first on s2": db.events.append("s2", 0, [envelope(user_registered("c"), "s2", 1)]),
        "second on s2": db.events.append("s2", 0, [envelope(user_registered("d"), "s2", 1)]),
        "stale": db.events.append("s0", 0, [envelope(user_registered("e"), "s0", 1)]),
        "after s0": db.events.append("s0", 1, [envelope(user_registered("f"), "s0", 2)]),
    }

    outcomes = dict(
        zip(appends, await asyncio.gather(*appends.values(), return_exceptions=True), strict=True)
    )

    assert isinstance(outcomes["second on s2"], ConcurrencyConflict)
    assert isinstance(outcomes.get("duplicate id", DuplicateEventId("")), DuplicateEventId)
    assert isinstance(outcomes["stale"], ConcurrencyConflict)
    kept = {name: p for name, p in outcomes.items() if isinstance(p, int)}
    assert set(kept) == {"two events", "first on s2", "after s0"}
    log = await db.events.read_all()
    assert [stored.position for stored in log] == [1, 2, 3, 4, 5]
    last_of = {stored.envelope.aggregate_id: stored.position for stored in log}
    assert kept == {
        "two events": last_of["s1"],
        "first on s2": last_of["s2"],
        "after s0": last_of["s0"],
    }
    assert await db.events.read_stream("s3") == []
    assert slow_groups == ([len(appends)] if with_duplicate else [])
