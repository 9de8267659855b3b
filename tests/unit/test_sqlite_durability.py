"""The SQLite store commits to disk before a command is answered (and before the relay can
publish what it committed)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from ent_kit.storage import Storage, sqlite_events
from ent_kit.storage.sqlite import SqliteStorage
from kit_fixtures import append_users, storage

__all__ = ["storage"]

NORMAL, FULL = 1, 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


async def test_event_appends_commit_with_synchronous_full(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(storage, SqliteStorage)
    seen: list[int] = []
    commit_at_once = sqlite_events._commit_at_once

    def spying(conn: sqlite3.Connection, group: Any) -> bool:
        seen.append(conn.execute("PRAGMA synchronous").fetchone()[0])
        return commit_at_once(conn, group)

    monkeypatch.setattr(sqlite_events, "_commit_at_once", spying)
    await append_users(storage, "s-1", 2)

    assert seen == [FULL]
    mode = await storage.writer.run(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0])
    level = await storage.writer.run(lambda c: c.execute("PRAGMA synchronous").fetchone()[0])
    assert (mode, level) == ("wal", NORMAL)  # read-model writes: replayed after a crash
