"""Waiting for the platform (`Stack`) to settle before a measure: what starting it or the
previous step set going (demo seeds, the relay publishing, mail notifying) would otherwise
take the measured requests' CPU, and not their floors' measured after them."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from ent_devstack.stack import Stack

# CPU time a second all the platform's processes use when idle is ~0.15-0.2 s on 2 cores
# (log watches, Kafka consumers and the broker polling); 0.4-0.6 s while the relay
# publishes and mail notifies.
IDLE_CPU_S = 0.25
WINDOW_S = 2.0
TICKS = 100  # clock ticks a second (os.sysconf("SC_CLK_TCK") on Linux)


def cpu_s(stack: Stack) -> float:
    """CPU time (user + system) used so far by the platform's processes and the broker."""
    total = 0
    for process in [*stack.processes.values(), stack.process("broker")]:
        if process is None:
            continue
        try:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


async def settle(stack: Stack, timeout_s: float = 600.0) -> None:
    """Returns once the platform has used under IDLE_CPU_S of CPU a second over WINDOW_S
    (or, saying so, after `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    before = cpu_s(stack)
    while time.monotonic() < deadline:
        await asyncio.sleep(WINDOW_S)
        now = cpu_s(stack)
        if (now - before) / WINDOW_S < IDLE_CPU_S:
            return
        before = now
    print(f"(the platform was still busy after {timeout_s:g} s: measuring anyway)", flush=True)
