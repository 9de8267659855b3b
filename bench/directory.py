"""Suite `directory`: the 200-recipient reachability check against a region of 1 M accounts.

- directory.build_1m.seconds: writing the directory's read model (`users`, `groups`,
  `rules`) of 500 schools of 2,000 accounts into a SQLite store, then creating the indexes
  the service creates at start. Not the importer: no event store, no Kafka. The events an
  import would produce are applied straight to the store by the service's own
  `DirectoryProjection`, so the documents have exactly the shape the projection writes.
  (The CSV import would go through the event store and the projector: hours for 1 M
  accounts on two cores, and the documents it ends with are these.)
- directory.build_1m.peak_disk_mb: the store's files (database + WAL) at their largest.
- directory.reachability_200.*: `ReachabilityService.check`, in-process (no HTTP), a
  random sender (40 % teachers, 40 % parents, 20 % vie scolaire) writing to 200
  recipients named one by one, mostly of their own school; CHECKS timed checks after
  WARMUP. `allowed_share`: allowed recipients / all, to show the workload.
- directory.reachability_200_audiences.*: the same in-process, but 3 of the 200 are
  audiences (a class's parents, students and teachers, about 100 people once expanded by
  the directory): the work of the HTTP checks below, without HTTP.
- directory.http_reachability_200.c1, .c8, .c32: the checks with audiences over HTTP, as
  mail and locker make them (`PeerClient`, a service token scoped to the check, signed
  with the locker's key), against the directory service process with 1, 8 and 32
  concurrent callers. The platform is started as `make run` starts it (`Stack`: broker,
  every service, demo school seeded) on the very store the suite built: the region is
  built into `<platform data dir>/directory/store.db` before the directory starts, so the
  process answers from the 1 M accounts (no second, smaller region). Before timing, the
  process's answers are compared with the in-process ones, and the platform settles
  (`bench.platform_settle`: the demo seeds landing in the other services, which took the
  checks' CPU and not their floors', measured after them). `.checks_per_s`: the checks
  answered a second at that concurrency (warm-up calls included).

Floors (`.floor_ms`, `.ratio_to_floor`; goal: p99 at most 3 times the floor): the p99 of
the same checks' rows read the plainest way on the same store file, measured in the same
run right after the in-process checks (bench.directory_floor): the sender's row, the
school's rules by their index, each expanded audience's group (and a class's students,
for its parents), and every recipient's row by the primary key, with the stdlib
`sqlite3`, no rule evaluated. The HTTP checks at N callers have as floor the same reads
of the same checks by N processes at once (own connection each), so that what lies above
the floor is the service, HTTP, the token check and the queue in one process, not the
disk's share of N checks at a time. At each concurrency, with the platform running, the
checks' pages are first read once untimed, then the HTTP checks are timed, then their
floor: both find the store's pages in the same state. (This VM keeps under 2 GB of files
in its page cache, the store is 1.2 GB, and a page read from disk costs 55 µs against 3
from the cache; floors read before the platform started, as before, did not see the page
cache the service saw once every process had started.)

A school: 24 classes of 28 students, 60 teachers each teaching 6 classes (15 per class,
one main teacher per class), 23 staff, one parent per student, and a second parent for
as many students as it takes to reach 2,000 accounts (most students have two
responsables légaux), the default school and class rules, and one substitution.

ENT_BENCH_QUICK=1: 6 schools, 100 checks, 64 HTTP checks a concurrency (development
runs on a busy machine: the figures are noise; what is measured is the same).
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from ent_contracts.directory_api import Verdict
from ent_directory.application.reachability import ReachabilityService
from ent_kit.storage import open_storage

from bench import directory_http as http
from bench.directory_floor import Floor, concurrent
from bench.directory_region import QUICK, DiskWatch, build
from bench.directory_workload import Check, sanity, workload
from bench.platform_settle import settle
from bench.report import figure, latency, p99

CHECKS = 100 if QUICK else 1_000
WARMUP = 10 if QUICK else 50
GOAL_RATIO = 3.0
AGREE = 20  # checks whose answer over HTTP is compared with the in-process one


async def measure(
    service: ReachabilityService, checks: list[Check], day: date
) -> tuple[list[float], int, int]:
    """Milliseconds of each check after WARMUP; allowed and total recipients."""
    timings: list[float] = []
    allowed = total = 0
    for i, check in enumerate(checks):
        started = time.perf_counter()
        verdict = await service.check(check.sender, check.recipients, day)
        elapsed = time.perf_counter() - started
        if i >= WARMUP:
            timings.append(elapsed * 1000)
            allowed += len(verdict.allowed)
            total += len(verdict.allowed) + len(verdict.refused)
    return timings, allowed, total


def _report(name: str, timings: list[float], floor: list[float], allowed: int, total: int) -> None:
    latency(name, timings, p99(floor), GOAL_RATIO)
    figure(f"{name}.allowed_share", allowed / total, "ratio")
    figure(f"{name}.recipients_per_check", total / len(timings), "users")


async def in_process(
    store: Path, day: date
) -> tuple[list[Check], list[frozenset[str]], list[Verdict]]:
    """Build the region into `store`, time the in-process checks and their floors. Answers
    the checks with audiences, the audiences each had expanded and the verdicts."""
    disk = DiskWatch(store.parent)
    started = time.perf_counter()
    storage = await open_storage(f"sqlite://{store}", service_name="directory")
    try:
        schools, index_seconds = await build(storage, day, disk)
        figure("directory.build_1m.seconds", time.perf_counter() - started, "s")
        figure("directory.build_1m.index_seconds", index_seconds, "s")
        figure("directory.build_1m.accounts", sum(len(s.accounts) for s in schools), "users")
        figure("directory.build_1m.peak_disk_mb", disk.peak / 2**20, "MB")
        service = ReachabilityService(storage.documents)
        await sanity(service, schools, day)
        checks = workload(schools, WARMUP + CHECKS, seed=7)
        with_audiences = workload(schools, WARMUP + CHECKS, seed=11, with_audiences=True)
        expected = [await service.check(c.sender, c.recipients, day) for c in with_audiences]
        expanded = [frozenset(v.expansions) for v in expected]
        floor = Floor(store)
        try:
            if "ix_rules_school_id__p" not in floor.plan_of_rules():
                raise AssertionError(f"floor: rules not read by index: {floor.plan_of_rules()}")
            # The bench's own index of the region must not weigh on the collector.
            gc.collect()
            gc.freeze()
            timings, allowed, total = await measure(service, checks, day)
            floor_timings = floor.measure(checks, WARMUP)
            _report("directory.reachability_200", timings, floor_timings, allowed, total)
            timings, allowed, total = await measure(service, with_audiences, day)
            floor_timings = floor.measure(with_audiences, WARMUP, expanded)
            name = "directory.reachability_200_audiences"
            _report(name, timings, floor_timings, allowed, total)
            gc.unfreeze()
        finally:
            floor.close()
    finally:
        await storage.close()
    return with_audiences, expanded, expected


async def over_http(
    data_dir: Path, checks: list[Check], expanded: list[frozenset[str]], expected: list[Verdict]
) -> None:
    """The checks with audiences over HTTP at each concurrency, each beside the same reads
    by as many processes, measured right after on the same warm pages."""
    store = data_dir / "directory" / "store.db"
    timed = checks[: http.HTTP_WARMUP + http.HTTP_CHECKS]
    stack = await http.start_platform(data_dir)
    try:
        client = http.directory_client(stack)
        try:
            await http.agree(client, checks[:AGREE], expected[:AGREE])
            await settle(stack)  # the demo seeds landing elsewhere: not the checks' CPU
            for callers in http.CONCURRENCY:
                concurrent(store, timed, http.HTTP_WARMUP, expanded, callers)  # warms, untimed
                started = time.perf_counter()
                timings = await http.measure(client, timed, callers)
                elapsed = time.perf_counter() - started
                floor = concurrent(store, timed, http.HTTP_WARMUP, expanded, callers)
                name = f"directory.http_reachability_200.c{callers}"
                latency(name, timings, p99(floor), GOAL_RATIO)
                figure(f"{name}.checks_per_s", len(timed) / elapsed, "checks/s")
        finally:
            await client.close()
    finally:
        await asyncio.to_thread(stack.stop)


async def run() -> None:
    day = datetime.now(UTC).date()  # the day the service process checks for
    with tempfile.TemporaryDirectory(prefix="bench-directory-") as tmp:
        data_dir = Path(tmp)
        store = data_dir / "directory" / "store.db"
        store.parent.mkdir(parents=True)
        checks, expanded, expected = await in_process(store, day)
        await over_http(data_dir, checks, expanded, expected)
