"""The one output format benchmarks share, and the summary of a run.

Every measure prints `BENCH <name> <value> <unit>`. A latency is measured beside its floor,
the same work done the plainest way on the same machine in the same run (e.g. writing the
same bytes with fsync), and its goal is a ratio to that floor: absolute times move threefold
between two machines of the same kind, ratios much less. `latency` prints the figure, its
floor and the ratio; `throughput` a rate beside the peer it is compared with. At the end of
`python -m bench`, `summary` prints one table and writes it as JSON (`.bench/last.json`), so
two runs can be compared."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path

LAST_RUN = Path(".bench/last.json")


@dataclass(frozen=True)
class Row:
    name: str
    value: float
    unit: str
    floor: float | None = None  # the plain way's figure, same unit
    ratio: float | None = None  # value / floor (latencies) or value / peer (rates)
    goal: str = ""  # e.g. "<= 3", ">= 0.3"
    met: bool | None = None


ROWS: list[Row] = []


def bench(name: str, value: float, unit: str) -> None:
    print(f"BENCH {name} {value:.6g} {unit}", flush=True)


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def latency(
    name: str, samples_ms: list[float], floor_ms: float, goal_ratio: float | None = None
) -> float:
    """p50 and p99 of `samples_ms`, the floor and p99's ratio to it (`<name>.floor_ms`,
    `<name>.ratio_to_floor`); the goal, when given, is `ratio_to_floor <= goal_ratio`.
    Answers the ratio."""
    p50_ms, p99_ms = statistics.median(samples_ms), p99(samples_ms)
    ratio = p99_ms / floor_ms
    bench(f"{name}.p50_ms", p50_ms, "ms")
    bench(f"{name}.p99_ms", p99_ms, "ms")
    bench(f"{name}.floor_ms", floor_ms, "ms")
    bench(f"{name}.ratio_to_floor", ratio, "ratio")
    met = None if goal_ratio is None else ratio <= goal_ratio
    goal = "" if goal_ratio is None else f"<= {goal_ratio:g}"
    ROWS.append(Row(f"{name}.p99_ms", p99_ms, "ms", floor_ms, ratio, goal, met))
    return ratio


def throughput(
    name: str, value: float, unit: str, peer: float, peer_name: str, goal_ratio: float | None
) -> float:
    """A rate beside its peer measured in the same run (`<name>.ratio_to_<peer_name>`); the
    goal, when given, is `ratio >= goal_ratio`. Answers the ratio."""
    bench(name, value, unit)
    ratio_name = f"{name.rsplit('.', 1)[0]}.ratio_to_{peer_name}"
    return compared(ratio_name, value, unit, peer, goal_ratio, row_name=name)


def compared(
    ratio_name: str,
    value: float,
    unit: str,
    peer: float,
    goal_ratio: float | None,
    row_name: str | None = None,
) -> float:
    """Only the ratio of a rate (printed on its own) to a peer of the same run, as
    `ratio_name`; the goal, when given, is `ratio >= goal_ratio`. Answers the ratio."""
    ratio = value / peer
    bench(ratio_name, ratio, "ratio")
    met = None if goal_ratio is None else ratio >= goal_ratio
    goal = "" if goal_ratio is None else f">= {goal_ratio:g}"
    ROWS.append(Row(row_name or ratio_name, value, unit, peer, ratio, goal, met))
    return ratio


def figure(name: str, value: float, unit: str) -> None:
    """A figure with no floor (a count, a size): printed and kept in the summary."""
    bench(name, value, unit)
    ROWS.append(Row(name, value, unit))


def summary(path: Path = LAST_RUN) -> None:
    """The run's table (name, value, floor, ratio, goal, met?) and the same as JSON."""
    print("\n| name | value | floor or peer | ratio | goal | met |")
    print("|---|---|---|---|---|---|")
    for row in ROWS:
        floor = "" if row.floor is None else f"{row.floor:.4g}"
        ratio = "" if row.ratio is None else f"{row.ratio:.3g}"
        met = {None: "", True: "yes", False: "NO"}[row.met]
        print(
            f"| {row.name} | {row.value:.4g} {row.unit} | {floor} | {ratio} | {row.goal} | {met} |"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(row) for row in ROWS], indent=2) + "\n")
    print(f"\n(written to {path})", flush=True)
