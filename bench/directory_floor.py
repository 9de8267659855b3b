"""The floor of a reachability check: the same rows read the plainest way.

One stdlib `sqlite3` connection, read-only, on the very store file the service reads, in
the same run: per check, the sender's row (and the rows of the teachers it replaces), the
school's rules by the `rules.school_id` index, each audience's group row (and, for a
class's parents, its students' rows) for the audiences the service expanded (the others it
refuses whole without a read), then every recipient's row, the named and the
expanded, in one `id IN (...)` by the primary key. Bodies are decoded only where the next
read needs their ids (the sender, the groups, the students); the rest are fetched and left
as they are. No rule is evaluated and no answer built: what remains is the physical work
any implementation of the check must do, the B-tree lookups and the page reads.

With several callers (`concurrent`), as many processes, each with its own connection and
its share of the same checks, read at once: the floor of a check among 8 or 32 at a time,
the cores shared by the OS (threads would measure the GIL: Python's sqlite3 lets it go and
takes it back at every row)."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from bench.directory_workload import Check

_ROW = "SELECT body FROM documents WHERE collection = ? AND id = ?"
# Spelled as the service's partial index is (`ensure_index`): the planner uses it.
_RULES = (
    "SELECT id, body FROM documents WHERE collection = 'rules'"
    " AND json_extract(body, '$.school_id') = ?"
)


def _reader(
    store: Path,
    checks: list[Check],
    expanded: list[frozenset[str]],
    warmup: int,
    start: Barrier,
    results: Queue[list[float] | str],
) -> None:
    floor = Floor(store)
    try:
        for check, audiences in zip(checks[:warmup], expanded[:warmup], strict=True):
            floor.read(check, audiences)
        start.wait()
        timings: list[float] = []
        for check, audiences in zip(checks[warmup:], expanded[warmup:], strict=True):
            started = time.perf_counter()
            floor.read(check, audiences)
            timings.append((time.perf_counter() - started) * 1000)
        results.put(timings)
    except BaseException as exc:  # told to the parent, which would wait for ever
        start.abort()
        results.put(repr(exc))
    finally:
        floor.close()


def concurrent(
    store: Path,
    checks: list[Check],
    warmup: int,
    expanded: list[frozenset[str]],
    callers: int,
) -> list[float]:
    """`callers` processes, each with its own connection and its share of the checks (one
    after the other), start together once warm; milliseconds of each check's reads. The
    cores are shared among them by the OS, as among the service's callers' requests."""
    context = multiprocessing.get_context("fork")  # the checks are inherited, not sent
    start = context.Barrier(callers)
    results: Queue[list[float] | str] = context.Queue()
    share = max(1, warmup // callers)
    expanded = expanded[: len(checks)]
    readers = [
        context.Process(
            target=_reader,
            args=(store, checks[i::callers], expanded[i::callers], share, start, results),
        )
        for i in range(callers)
    ]
    for reader in readers:
        reader.start()
    answers = [results.get(timeout=600) for _ in readers]
    for reader in readers:
        reader.join()
    failures = [a for a in answers if isinstance(a, str)]
    if failures:
        raise RuntimeError(f"floor: a reader failed: {failures[0]}")
    return [t for a in answers if not isinstance(a, str) for t in a]


class Floor:
    def __init__(self, store: Path) -> None:
        self._db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)

    def close(self) -> None:
        self._db.close()

    def plan_of_rules(self) -> str:
        """The planner's plan for the rules' read (the bench checks it takes the index)."""
        rows = self._db.execute(f"EXPLAIN QUERY PLAN {_RULES}", ("x",)).fetchall()
        return " ".join(str(r[-1]) for r in rows)

    def _doc(self, collection: str, doc_id: str) -> dict[str, Any] | None:
        row = self._db.execute(_ROW, (collection, doc_id)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def _many(self, collection: str, ids: list[str]) -> list[tuple[str]]:
        marks = ", ".join("?" * len(ids))
        sql = f"SELECT body FROM documents WHERE collection = ? AND id IN ({marks})"
        return list(self._db.execute(sql, [collection, *ids]).fetchall())

    def read(self, check: Check, expanded: frozenset[str] = frozenset()) -> int:
        """The rows one check reads; answers how many. `expanded`: the audiences (their
        `entry()`) the service expanded; the others it refused whole, reading nothing."""
        sender = self._doc("users", check.sender)
        if sender is None:
            return 0
        replaced = [s["replaced_id"] for s in sender.get("substitutions", [])]
        rows = len(self._many("users", replaced)) if replaced else 0
        rows += len(self._db.execute(_RULES, (sender["school_id"],)).fetchall())
        ids: list[str] = []
        for recipient in check.recipients:
            if recipient.user_id is not None:
                ids.append(recipient.user_id)
                continue
            if recipient.entry() not in expanded:
                continue
            group = self._doc("groups", str(recipient.group_id))
            rows += 1
            if group is None:
                continue
            if recipient.role == "parents":
                students = self._many("users", list(group["members"]))
                rows += len(students)
                ids += [p for (body,) in students for p in json.loads(body)["relatives"]]
            elif recipient.role == "students":
                ids += group["members"]
            elif recipient.role == "teachers":
                ids += group["teachers"]
        return rows + 1 + len(self._many("users", list(dict.fromkeys(ids))))

    def measure(
        self, checks: list[Check], warmup: int, expanded: list[frozenset[str]] | None = None
    ) -> list[float]:
        """Milliseconds of each check's reads after `warmup`; `expanded`: by check, the
        audiences the service expanded (none when not given)."""
        timings: list[float] = []
        for i, check in enumerate(checks):
            started = time.perf_counter()
            self.read(check, expanded[i] if expanded else frozenset())
            elapsed = time.perf_counter() - started
            if i >= warmup:
                timings.append(elapsed * 1000)
        return timings
