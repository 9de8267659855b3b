"""Sizes of suite `kit`; `ENT_BENCH_QUICK=1` shrinks them to check the code, not to measure."""

from __future__ import annotations

import os

QUICK = os.environ.get("ENT_BENCH_QUICK", "") not in ("", "0")

EVENTS = 2_000 if QUICK else 50_000  # per pipeline run, and messages per raw run
AGGREGATES = 200 if QUICK else 5_000  # EVENTS / AGGREGATES events per aggregate
PARTITIONS = 3
COMMANDS = 32  # concurrent commands, as from concurrent HTTP requests
ROUNDS = 1 if QUICK else 3
TAKEOVERS = 2 if QUICK else 3
