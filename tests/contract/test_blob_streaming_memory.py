"""A 200 MiB blob goes through each adapter and back without the process holding it in memory.

Peak RSS is a process-wide high-water mark, so the transfer runs in a fresh
subprocess (this file, run as a script) where earlier tests cannot have raised it.
That subprocess reads the peak from VmHWM, not getrusage().ru_maxrss: Linux
carries ru_maxrss over fork+exec, so a child of the pytest process would start
with pytest's own peak as its "maximum" and every growth would read as zero.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest_blobs import ADAPTERS, moto_endpoint, s3_store
from ent_kit.blobs.filesystem import FilesystemBlobStore
from ent_kit.blobs.port import BlobStore

__all__ = ["moto_endpoint"]  # fixture, imported so pytest finds it here

MiB = 1024 * 1024
BLOB_MIB = 200
MAX_GROWTH_MIB = 100
_RESULT = re.compile(r"^BLOB_RSS (\S+) ([0-9.]+) MiB$", re.MULTILINE)


def _run_measurement(adapter: str, workdir: Path, endpoint: str, *flags: str) -> float:
    result = subprocess.run(
        [sys.executable, __file__, adapter, str(workdir), endpoint, *flags],
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    match = _RESULT.search(result.stdout)
    assert match, result.stdout
    print(match.group(0))
    assert match.group(1) == adapter
    return float(match.group(2))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("adapter", ADAPTERS)
def test_200_mib_blob_streams_with_bounded_memory(
    adapter: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    endpoint = request.getfixturevalue("moto_endpoint") if adapter == "s3" else ""

    growth_mib = _run_measurement(adapter, tmp_path, endpoint)

    assert growth_mib < MAX_GROWTH_MIB


@pytest.mark.timeout(600)
def test_measurement_sees_a_consumer_that_buffers(tmp_path: Path) -> None:
    # Control: the same run, but the reader keeps every chunk. If this did not show
    # ~200 MiB of growth, the bound asserted above would prove nothing.
    growth_mib = _run_measurement("filesystem", tmp_path, "", "--hold")

    assert growth_mib > 0.9 * BLOB_MIB


# --- subprocess side -----------------------------------------------------------


def _peak_rss_mib() -> float:
    status = Path("/proc/self/status").read_text()
    kib = re.search(r"^VmHWM:\s+(\d+) kB$", status, re.MULTILINE)
    assert kib, status
    return int(kib.group(1)) / 1024


def _reset_peak_rss() -> None:
    # "5" resets VmHWM to the current RSS, so start-up peaks (imports) cannot hide growth.
    Path("/proc/self/clear_refs").write_text("5")


async def _random_blob(digest: hashlib._Hash) -> AsyncIterator[bytes]:
    for _ in range(BLOB_MIB):
        chunk = os.urandom(MiB)  # incompressible, generated as it is sent
        digest.update(chunk)
        yield chunk


async def _measure(adapter: str, workdir: Path, endpoint: str, hold_everything: bool) -> None:
    store: BlobStore
    if adapter == "filesystem":
        store = FilesystemBlobStore(workdir)
    else:
        s3 = s3_store(endpoint, "rss-measurement")
        await s3.ensure_bucket()
        store = s3
    # Warm up with a tiny blob so connection pools and worker threads exist before
    # the baseline: only growth caused by the size of the blob should count.
    await store.put("warmup", _one(b"x"))
    assert [chunk async for chunk in store.get("warmup")] == [b"x"]
    _reset_peak_rss()
    baseline = _peak_rss_mib()

    sent = hashlib.sha256()
    info = await store.put("big/blob", _random_blob(sent))
    assert info.size == BLOB_MIB * MiB
    assert info.sha256 == sent.hexdigest(), "adapter hashed something else than was sent"

    received = hashlib.sha256()
    size = 0
    held: list[bytes] = []  # only filled in the --hold control run
    async for chunk in store.get("big/blob"):
        received.update(chunk)
        size += len(chunk)
        if hold_everything:
            held.append(chunk)
    assert size == BLOB_MIB * MiB
    assert received.hexdigest() == sent.hexdigest(), "read back different bytes"

    growth = _peak_rss_mib() - baseline
    print(f"BLOB_RSS {adapter} {growth:.1f} MiB", flush=True)
    await store.delete("big/blob")  # frees 200 MiB in moto (or on disk) right away
    await store.close()


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


if __name__ == "__main__":
    asyncio.run(_measure(sys.argv[1], Path(sys.argv[2]), sys.argv[3], "--hold" in sys.argv[4:]))
