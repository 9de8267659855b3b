"""A store that fills after its start is planned with fresh statistics: it analyses again
once the rows written reach a threshold that doubles each time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ent_kit.storage.query import Query
from ent_kit.storage.sqlite import SqliteStorage
from ent_kit.storage.sqlite_analysis import FIRST_AFTER_ROWS, Reanalysis

GRADES_QUERY = (
    "EXPLAIN QUERY PLAN SELECT id, body FROM documents WHERE collection = 'grades'"
    " AND json_extract(body, '$.student_id') = ?"
    " ORDER BY json_extract(body, '$.published_at') DESC, id DESC LIMIT 6"
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    opened = await SqliteStorage.open(tmp_path / "store.db")
    yield opened
    await opened.close()


async def put_grades(db: SqliteStorage, count: int) -> None:
    for start in range(0, count, 100):
        async with db.documents.transaction() as tx:
            for i in range(start, start + 100):
                grade = {"student_id": f"s{i % 300}", "published_at": f"2026-11-{i % 28 + 1:02}"}
                await tx.put("grades", f"g{i}", grade)


async def plan(db: SqliteStorage) -> str:
    rows = await db.reading(lambda c: c.execute(GRADES_QUERY, ["s7"]).fetchall())
    return " ".join(str(row[3]) for row in rows)


async def test_a_collection_filled_after_the_start_is_read_through_its_index(
    db: SqliteStorage,
) -> None:
    # The start: another collection has a few rows, this one none, its index is made (and
    # the store analysed), then the collection fills. From those statistics SQLite would
    # read it through the primary key and sort it whole.
    async with db.documents.transaction() as tx:
        for i in range(5):
            await tx.put("people", f"p{i}", {"name": f"P{i}"})
    await db.documents.ensure_index("grades", ["student_id", "published_at"])
    await put_grades(db, 3000)
    await asyncio.sleep(0.2)  # the analysis under way, if any, done

    assert "ix_grades_student_id_published_at" in await plan(db)
    page = await db.documents.find(
        "grades", Query(where={"student_id": "s7"}, order_by=[("published_at", "desc")], limit=6)
    )
    assert len(page.items) == 6


async def test_the_threshold_doubles_and_analyses_never_overlap() -> None:
    written = [0]
    started: list[int] = []
    release = asyncio.Event()

    async def analyze() -> None:
        started.append(written[0])
        await release.wait()

    reanalysis = Reanalysis(analyze, lambda: written[0])
    for written[0] in (FIRST_AFTER_ROWS - 1, FIRST_AFTER_ROWS, 5 * FIRST_AFTER_ROWS):
        reanalysis.committed()
        await asyncio.sleep(0)
    assert started == [FIRST_AFTER_ROWS]  # the second came while the first ran

    release.set()
    await reanalysis.close()
    # Then due at twice what had been written when the last one started.
    for written[0] in (
        2 * FIRST_AFTER_ROWS + 1,
        4 * FIRST_AFTER_ROWS + 1,
        4 * FIRST_AFTER_ROWS + 2,
    ):
        reanalysis.committed()
        await asyncio.sleep(0)
        await reanalysis.close()
    assert started == [FIRST_AFTER_ROWS, 2 * FIRST_AFTER_ROWS + 1, 4 * FIRST_AFTER_ROWS + 2]


async def test_a_large_store_is_not_analysed_anew_for_a_few_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await SqliteStorage.open(tmp_path / "store.db")
    await put_grades(first, 3000)
    await first.close()  # analysed: 3,000 rows

    analysed: list[int] = []
    analyze = SqliteStorage.analyze

    async def counted(self: SqliteStorage) -> None:
        analysed.append(1)
        await analyze(self)

    monkeypatch.setattr(SqliteStorage, "analyze", counted)
    reopened = await SqliteStorage.open(tmp_path / "store.db")
    try:
        await put_grades(reopened, 2000)  # rewrites 2,000 of the 3,000
        await asyncio.sleep(0.1)
        assert analysed == []
        await put_grades(reopened, 1100)  # 3,100 written since the start
        await asyncio.sleep(0.1)
        assert analysed == [1]
    finally:
        await reopened.close()
