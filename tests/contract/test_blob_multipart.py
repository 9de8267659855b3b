"""Resumable appends (`ent_kit.blobs.multipart`) on both adapters: the state lives with the
caller only, so a fresh adapter object (another replica) carries on from it."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from conftest_blobs import blob_store, moto_endpoint, stored_keys
from ent_kit.blobs import BlobStore
from ent_kit.blobs.filesystem import FilesystemBlobStore
from ent_kit.blobs.multipart import UploadLengthExceeded, UploadProgress, resumable_uploads
from ent_kit.blobs.multipart_s3 import PART_SIZE

__all__ = ["blob_store", "moto_endpoint"]

MiB = 1024 * 1024
DATA = os.urandom(PART_SIZE * 2 + 3 * MiB + 777)  # two whole parts and a tail


async def chunked(data: bytes, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


class Records:
    """The caller's store: the last state saved."""

    def __init__(self) -> None:
        self.saved: list[UploadProgress] = []
        self.finals: list[bool] = []

    async def save(self, progress: UploadProgress, final: bool) -> None:
        self.saved.append(progress)
        self.finals.append(final)

    @property
    def last(self) -> UploadProgress:
        return self.saved[-1]


async def read_all(store: BlobStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.get(key)])


async def test_small_appends_across_replicas_make_one_blob(blob_store: BlobStore) -> None:
    records = Records()
    progress = await resumable_uploads(blob_store).start("transfers/t/f1")
    # Pieces smaller than an S3 part (1 MiB, odd sizes), each by a "new replica".
    cuts = [0, MiB, MiB + 1, 5 * MiB, PART_SIZE + 17, 2 * PART_SIZE + 5, len(DATA)]
    for start, end in itertools.pairwise(cuts):
        uploads = resumable_uploads(blob_store)  # nothing kept between requests
        progress = await uploads.append(progress, chunked(DATA[start:end]), records.save)
        assert progress == records.last
        assert progress.offset == end
        assert progress.tail < PART_SIZE
    size = await resumable_uploads(blob_store).finish(progress)
    assert size == len(DATA)
    assert await read_all(blob_store, "transfers/t/f1") == DATA
    # Nothing left behind: no partial file, no tail object.
    assert await stored_keys(blob_store) == {"transfers/t/f1"}


async def test_a_broken_stream_keeps_what_arrived(blob_store: BlobStore) -> None:
    records = Records()
    uploads = resumable_uploads(blob_store)
    progress = await uploads.start("transfers/t/cut")

    async def cut_at(n: int) -> AsyncIterator[bytes]:
        async for chunk in chunked(DATA[:n]):
            yield chunk
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await uploads.append(progress, cut_at(PART_SIZE + 3 * MiB), records.save)
    kept = records.last
    assert kept.offset == PART_SIZE + 3 * MiB
    # The client resumes from the offset the server reports.
    done = await uploads.append(kept, chunked(DATA[kept.offset :]), records.save)
    await uploads.finish(done)
    assert await read_all(blob_store, "transfers/t/cut") == DATA


async def test_bytes_past_the_limit_are_refused_and_those_before_kept(
    blob_store: BlobStore,
) -> None:
    records = Records()
    uploads = resumable_uploads(blob_store)
    progress = await uploads.start("transfers/t/limit")
    with pytest.raises(UploadLengthExceeded):
        await uploads.append(progress, chunked(b"x" * 100), records.save, max_bytes=60)
    assert records.last.offset == 60
    await uploads.finish(records.last)
    assert await read_all(blob_store, "transfers/t/limit") == b"x" * 60


async def test_an_empty_file(blob_store: BlobStore) -> None:
    uploads = resumable_uploads(blob_store)
    progress = await uploads.start("transfers/t/empty")
    assert await uploads.finish(progress) == 0
    assert await read_all(blob_store, "transfers/t/empty") == b""


async def test_abort_leaves_nothing_and_stale_uploads_are_listed(blob_store: BlobStore) -> None:
    records = Records()
    uploads = resumable_uploads(blob_store)
    progress = await uploads.start("transfers/t/aborted")
    progress = await uploads.append(progress, chunked(DATA[: PART_SIZE + MiB]), records.save)
    later = datetime.now(UTC) + timedelta(minutes=5)
    stale = await uploads.stale(later)
    assert progress.upload_id in {s.upload_id for s in stale}
    if isinstance(blob_store, FilesystemBlobStore):  # moto dates every upload 2010-11-10
        assert await uploads.stale(datetime.now(UTC) - timedelta(hours=1)) == []
    await uploads.abort(progress)
    await uploads.abort(progress)  # twice is fine
    assert await stored_keys(blob_store) == set()
    assert progress.upload_id not in {s.upload_id for s in await uploads.stale(later)}


async def test_a_long_stream_is_checkpointed_on_the_way(
    blob_store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that dies mid-stream loses at most the bytes since the last checkpoint:
    each checkpoint is a state another replica can append to."""
    from ent_kit.blobs import multipart_fs, multipart_s3

    monkeypatch.setattr(multipart_fs, "CHECKPOINT_BYTES", 4 * MiB)
    monkeypatch.setattr(multipart_s3, "CHECKPOINT_PARTS", 1)
    records = Records()
    uploads = resumable_uploads(blob_store)
    start = await uploads.start("transfers/t/long")
    await uploads.append(start, chunked(DATA), records.save)
    assert records.finals[-1] is True
    checkpoints = [p for p, final in zip(records.saved, records.finals, strict=True) if not final]
    assert len(checkpoints) >= 2
    # Resume from a checkpoint, as after a crash: the rest is sent again from there.
    middle = checkpoints[0]
    assert 0 < middle.offset < len(DATA)
    done = await resumable_uploads(blob_store).append(
        middle, chunked(DATA[middle.offset :]), records.save
    )
    await uploads.finish(done)
    assert await read_all(blob_store, "transfers/t/long") == DATA
