"""Sizes of suite `transfer`; `ENT_BENCH_QUICK=1` shrinks them to check the code, not to
measure."""

from __future__ import annotations

import os

QUICK = os.environ.get("ENT_BENCH_QUICK", "") not in ("", "0")

FILE_BYTES = (64 if QUICK else 2048) * 2**20  # one file, the largest a transfer may hold
TUS_CHUNK = 16 * 2**20  # bytes per PATCH, for our service and the peer alike
COPY_CHUNK = 2**20  # reads and writes of the raw copy and of the downloads
