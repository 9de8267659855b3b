"""Suite `mail`, its floors: the same physical work as a request, done the plainest way with
`sqlite3` alone (no event loop hop, no thread, no decoding, no view, no projection).

- `census`: the rows a send writes, counted rather than assumed: every row of the
  Messagerie's store (events, documents and any other table) hashed before one send and
  after it (its projectors settled); a row present after and not before is one the send
  inserted or rewrote. Their number and sizes are what the send floor writes.
- `DurableRows`: one SQLite transaction appending that many rows, of those sizes, to a
  plain table (`INTEGER PRIMARY KEY`, one blob: no secondary index), in a file of its own
  beside the store, with the store's durability: WAL, and the commit synced (`synchronous =
  FULL`, what the event append uses; the read models commit with NORMAL, which a send's
  answer waits for too, so one FULL commit is the least a durable send can cost). Then
  the same rows read back by key, the floor of the visible-send check.
- `BareStore`: a read-only `sqlite3` connection to the Messagerie's own file: a page of a
  listing as the bare indexed query (`find_sql`: the statement the adapter runs, on the
  index it was written for, rows left as JSON text), a count as the bare primary-key read.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ent_kit.storage import Query
from ent_kit.storage.sqlite_query import find_sql


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [str(name) for (name,) in rows]


def _hashes(conn: sqlite3.Connection, table: str, into: dict[str, dict[int, int]]) -> None:
    """Each row's hash, and its size in bytes (text and blobs as stored, numbers 8), by
    table (the documents by collection: `documents.<collection>`)."""
    for row in conn.execute(f'SELECT * FROM "{table}"'):
        size = sum(len(v) if isinstance(v, str | bytes) else 8 for v in row)
        name = f"{table}.{row[0]}" if table == "documents" else table
        into.setdefault(name, {})[hash(row)] = size


@dataclass(frozen=True)
class Written:
    """What one send wrote: how many rows in each table, and each row's size."""

    per_table: dict[str, int]
    sizes: list[int]

    @property
    def rows(self) -> int:
        return len(self.sizes)


def snapshot(store: Path) -> dict[str, dict[int, int]]:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
        rows: dict[str, dict[int, int]] = {}
        for table in _tables(conn):
            _hashes(conn, table, rows)
        return rows


def written_since(store: Path, before: dict[str, dict[int, int]]) -> Written:
    after = snapshot(store)
    per_table: dict[str, int] = {}
    sizes: list[int] = []
    for table, rows in after.items():
        earlier = before.get(table, {})
        new = [size for key, size in rows.items() if key not in earlier]
        if new:
            per_table[table] = len(new)
            sizes += new
    return Written(per_table, sizes)


class DurableRows:
    """The send's floor: its rows appended in one durable transaction to a plain table."""

    def __init__(self, path: Path, written: Written) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = FULL"):
            self._conn.execute(f"PRAGMA {pragma}")
        self._conn.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body BLOB)")
        self._bodies = [b"x" * size for size in written.sizes]
        self._last: tuple[int, int] = (0, 0)

    def write_ms(self) -> float:
        started = time.perf_counter()
        self._conn.execute("BEGIN IMMEDIATE")
        first = None
        for body in self._bodies:
            rowid = self._conn.execute("INSERT INTO rows (body) VALUES (?)", (body,)).lastrowid
            first = rowid if first is None else first
        self._conn.execute("COMMIT")
        elapsed = (time.perf_counter() - started) * 1000
        self._last = (first or 0, (first or 0) + len(self._bodies) - 1)
        return elapsed

    def read_ms(self, rows: int) -> float:
        """`rows` of the last transaction read back by key (the recipients' copies)."""
        first, _ = self._last
        started = time.perf_counter()
        found = self._conn.execute(
            "SELECT id, body FROM rows WHERE id >= ? AND id < ?", (first, first + rows)
        ).fetchall()
        elapsed = (time.perf_counter() - started) * 1000
        assert len(found) == rows, len(found)
        return elapsed

    def close(self) -> None:
        self._conn.close()


class BareStore:
    """Reads of the Messagerie's store file with `sqlite3` alone."""

    def __init__(self, store: Path) -> None:
        self._conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True, isolation_level=None)

    def page(self, collection: str, query: Query) -> tuple[float, list[str]]:
        """The listing's statements (the adapter's own SQL) until the page is full; answers
        the time and the ids of the page's rows."""
        started = time.perf_counter()
        rows: list[Any] = []
        for sql, params in find_sql(collection, query):
            rows += self._conn.execute(sql, params).fetchall()
            if len(rows) > query.limit:
                break
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, [str(r[0]) for r in rows[: query.limit]]

    def get(self, collection: str, doc_id: str) -> tuple[float, str | None]:
        started = time.perf_counter()
        row = self._conn.execute(
            "SELECT body FROM documents WHERE collection = ? AND id = ?", (collection, doc_id)
        ).fetchone()
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, None if row is None else str(row[0])

    def close(self) -> None:
        self._conn.close()
