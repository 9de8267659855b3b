"""The disk writes a blob's bytes while the next ones arrive (`ent_kit.blobs.writeback`):
an fsync runs while the stream is still coming, the file is never closed under one, and a
failed early fsync leaves the verdict to the commit's own."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ent_kit.blobs import writeback
from ent_kit.blobs.filesystem import FilesystemBlobStore
from ent_kit.blobs.multipart_fs import FilesystemUploads

MIB = 2**20


class Stream:
    """Eight 1 MiB pieces, recording how many fsyncs had run before the last one left."""

    def __init__(self, fsyncs: list[int]) -> None:
        self.fsyncs = fsyncs
        self.fsyncs_before_end = -1

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(8):
            yield os.urandom(MIB)
            await asyncio.sleep(0.02)  # the network: the disk has time to work meanwhile
        self.fsyncs_before_end = len(self.fsyncs)


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def counted(fd: int) -> None:
        calls.append(fd)
        os.fsync(fd)

    monkeypatch.setattr(writeback, "_to_disk", counted)
    return calls


async def test_a_put_is_written_to_disk_while_its_stream_still_arrives(
    tmp_path: Path, fsyncs: list[int]
) -> None:
    stream = Stream(fsyncs)
    info = await FilesystemBlobStore(tmp_path).put("a/blob", stream)
    assert info.size == 8 * MIB
    assert stream.fsyncs_before_end >= 1


async def test_a_resumable_append_is_written_to_disk_while_its_stream_still_arrives(
    tmp_path: Path, fsyncs: list[int]
) -> None:
    uploads = FilesystemUploads(tmp_path)
    progress = await uploads.start("t/file")
    stream = Stream(fsyncs)
    saved: list[int] = []

    async def save(kept: object, final: bool) -> None:
        saved.append(getattr(kept, "offset", -1))

    kept = await uploads.append(progress, stream, save)
    assert kept.offset == 8 * MIB
    assert saved == [8 * MIB]
    assert stream.fsyncs_before_end >= 1


async def test_the_file_is_not_closed_under_an_fsync_still_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = threading.Event()
    finished: list[float] = []

    def slow(fd: int) -> None:
        running.set()
        time.sleep(0.2)
        os.fsync(fd)
        finished.append(time.monotonic())

    monkeypatch.setattr(writeback, "_to_disk", slow)
    with (tmp_path / "f").open("wb") as file:
        early = writeback.Writeback(file.fileno())
        file.write(b"x" * MIB)
        early.nudge()
        early.nudge()  # one at a time: the second finds the first under way
        await asyncio.to_thread(running.wait, 5)
        await early.settle()
        settled = time.monotonic()
    assert len(finished) == 1
    assert finished[0] <= settled


async def test_a_failed_early_fsync_is_left_to_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(fd: int) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(writeback, "_to_disk", failing)
    info = await FilesystemBlobStore(tmp_path).put("a/blob", Stream([]))
    assert (tmp_path / "a/blob").stat().st_size == info.size == 8 * MIB


async def test_many_streams_at_once_hold_at_most_a_few_flush_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def slow(fd: int) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    monkeypatch.setattr(writeback, "_to_disk", slow)
    store = FilesystemBlobStore(tmp_path)
    infos = await asyncio.gather(*(store.put(f"b/{i}", Stream([])) for i in range(8)))
    assert [info.size for info in infos] == [8 * MIB] * 8
    assert most == writeback.FLUSHERS
