"""The SQLite store commits to disk before a command is answered (and before the relay can
publish what it committed)."""

from __future__ import annotations

from ent_kit.storage import Storage
from ent_kit.storage.sqlite import SqliteStorage
from kit_fixtures import storage

__all__ = ["storage"]

FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


async def test_writes_are_synchronous_full_in_wal_mode(storage: Storage) -> None:
    assert isinstance(storage, SqliteStorage)
    mode = await storage.writer.run(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0])
    level = await storage.writer.run(lambda c: c.execute("PRAGMA synchronous").fetchone()[0])
    assert (mode, level) == ("wal", FULL)
