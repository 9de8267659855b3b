"""The WAL is checkpointed off the commit path, at most once per interval however many
commits come."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ent_kit.storage import sqlite_checkpoint
from ent_kit.storage.sqlite import SqliteStorage
from ent_kit.storage.sqlite_checkpoint import WAL_BYTES, Checkpointer

BIG = "x" * 200_000  # a few of these put the WAL past its threshold


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    opened = await SqliteStorage.open(tmp_path / "store.db")
    yield opened
    await opened.close()


async def put_big(db: SqliteStorage, count: int, prefix: str) -> None:
    for i in range(count):
        async with db.documents.transaction() as tx:
            await tx.put("blobs", f"{prefix}{i}", {"body": BIG})


def wal_size(path: Path) -> int:
    return path.with_name(path.name + "-wal").stat().st_size


async def test_many_commits_past_the_threshold_start_one_checkpoint_per_interval(
    db: SqliteStorage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[float] = []
    checkpoint = Checkpointer._checkpoint

    async def counted(self: Checkpointer) -> None:
        started.append(1.0)
        await checkpoint(self)

    monkeypatch.setattr(Checkpointer, "_checkpoint", counted)
    monkeypatch.setattr(sqlite_checkpoint, "CHECKPOINT_INTERVAL_S", 60.0)

    await put_big(db, 40, "a")  # 8 MB, in 40 commits

    assert wal_size(tmp_path / "store.db") > WAL_BYTES
    assert len(started) == 1
