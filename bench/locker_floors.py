"""Floors of suite `locker`: the same physical work done the plainest way, on the same
machine in the same run, so each latency is read as a ratio to what the hardware allows.

- A deposit's floor: stream the same number of bytes to a new file in CHUNK writes, fsync
  it, then one SQLite transaction (WAL, synchronous = FULL: on disk at commit, as the
  event append is) inserting one row per folder entry the deposit makes (1,001: each
  recipient's Mon casier and the sender's Historique). No parsing, hashing, event or
  projector: the bytes and the rows only.
- A page's floor: the SQL statements the store runs for the same page (`find_sql`, the
  same store file, the same partial index), on a bare `sqlite3` connection, rows fetched
  and not decoded, without the senders' names join or the HTTP/JSON around it.
- Through the gateway, each floor sample also holds the same request, timed right after
  the real one, to an empty Litestar handler behind the gateway (`bench.empty_service`):
  `plus_http` adds them sample by sample."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from ent_kit.storage.query import Query
from ent_kit.storage.sqlite_query import find_sql

from bench.report import p99


def _write_file(path: Path, content: bytes, chunk: int) -> None:
    with path.open("wb") as file:
        for start in range(0, len(content), chunk):
            file.write(content[start : start + chunk])
        file.flush()
        os.fsync(file.fileno())


def _entry(document_id: str, owner_id: str, sender_id: str) -> str:
    """A row of the size of a folder entry."""
    return json.dumps(
        {
            "document_id": document_id,
            "owner_id": owner_id,
            "sender_id": sender_id,
            "folder": "received",
            "state": "active",
            "file_name": "Sujet.pdf",
            "media_type": "application/pdf",
            "size": 5 * 2**20,
            "sha256": "0" * 64,
            "deposited_at": "2026-01-05T08:00:00+00:00",
        }
    )


def _insert_rows(conn: sqlite3.Connection, rows: int) -> None:
    document_id, sender_id = str(uuid.uuid4()), str(uuid.uuid4())
    batch = [(str(uuid.uuid4()), _entry(document_id, str(uuid.uuid4()), sender_id))]
    batch += [(str(uuid.uuid4()), batch[0][1]) for _ in range(rows - 1)]
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO entries (id, body) VALUES (?, ?)", batch)
    conn.execute("COMMIT")


def deposit_floor(
    directory: Path, count: int, size: int, rows: int, chunk: int
) -> tuple[float, list[float]]:
    """p99 and samples (ms) of the plain work of one deposit of `size` fresh random bytes
    and `rows` rows, done `count` times."""
    directory.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(directory / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS entries (id TEXT PRIMARY KEY, body TEXT)")
    samples: list[float] = []
    try:
        for i in range(count):
            content = os.urandom(size)
            started = time.perf_counter()
            _write_file(directory / f"floor-{i}.bin", content, chunk)
            _insert_rows(conn, rows)
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
        for path in directory.glob("floor-*.bin"):
            path.unlink()
    return p99(samples), samples


def plus_http(work_ms: list[float], http_ms: list[float]) -> float:
    """p99 (ms) of each sample of the plain work plus the HTTP exchange beside it."""
    return p99([work + http for work, http in zip(work_ms, http_ms, strict=True)])


def page_floor(store: Path, collection: str, queries: Sequence[Query]) -> tuple[float, list[float]]:
    """p99 and samples (ms) of the bare statements of each page's query, rows fetched, not
    decoded."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True, isolation_level=None)
    samples: list[float] = []
    try:
        for query in queries:
            started = time.perf_counter()
            rows: list[tuple[object, ...]] = []
            for sql, params in find_sql(collection, query):
                rows += conn.execute(sql, params).fetchall()
                if len(rows) > query.limit:
                    break
            samples.append((time.perf_counter() - started) * 1000)
            assert rows, "a page's floor returned no row"
    finally:
        conn.close()
    return p99(samples), samples
