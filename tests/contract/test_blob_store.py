"""Behaviour every BlobStore adapter must show; each test runs against both adapters."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import os
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

import pytest
from conftest_blobs import blob_store, free_port, moto_endpoint, s3_store, stored_keys
from ent_kit.blobs import (
    BlobInfo,
    BlobNotFound,
    BlobStore,
    BlobTooLarge,
    content_key,
    open_blob_store,
    put_content_addressed,
)
from ent_kit.blobs.filesystem import FilesystemBlobStore
from ent_kit.blobs.s3 import S3BlobStore

__all__ = ["blob_store", "moto_endpoint"]  # fixtures, imported so pytest finds them here

MiB = 1024 * 1024
# Spans several 1 MiB read chunks, with an odd tail so boundaries are not aligned.
BIG = os.urandom(2 * MiB + 12345)


async def chunked(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


async def read_all(store: BlobStore, key: str, offset: int = 0, length: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in store.get(key, offset, length)])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# --- put / get ---------------------------------------------------------------


async def test_round_trip_reports_size_and_sha256(blob_store: BlobStore) -> None:
    # Uneven chunks, including an empty one and one larger than the 1 MiB I/O unit.
    parts = [b"x" * 10, b"", os.urandom(3 * MiB + 7), b"tail"]
    data = b"".join(parts)

    info = await blob_store.put("docs/a.bin", chunked(*parts))

    assert info == BlobInfo(key="docs/a.bin", size=len(data), sha256=sha256(data))
    chunks = [chunk async for chunk in blob_store.get("docs/a.bin")]
    assert b"".join(chunks) == data
    assert max(len(chunk) for chunk in chunks) <= MiB
    assert await blob_store.size("docs/a.bin") == len(data)
    assert await blob_store.exists("docs/a.bin")


@pytest.mark.parametrize(
    ("offset", "length"),
    [
        (0, None),
        (7, None),
        (7, 100),
        (MiB - 5, 10),  # crosses a chunk boundary
        (3, 2 * MiB),
        (len(BIG) - 4, None),
        (len(BIG) - 4, 100),  # length runs past the end: truncated
        (len(BIG), None),  # offset at the end: nothing
        (len(BIG) + 50, 10),  # offset past the end: nothing
        (5, 0),
    ],
)
async def test_range_reads(blob_store: BlobStore, offset: int, length: int | None) -> None:
    await blob_store.put("r", chunked(*pieces(BIG, MiB)))

    expected = BIG[offset:] if length is None else BIG[offset : offset + length]
    assert await read_all(blob_store, "r", offset, length) == expected


@pytest.mark.parametrize(("offset", "length"), [(-1, None), (0, -1)])
async def test_negative_range_is_rejected(
    blob_store: BlobStore, offset: int, length: int | None
) -> None:
    await blob_store.put("r", chunked(b"abc"))
    with pytest.raises(ValueError, match="negative"):
        await read_all(blob_store, "r", offset, length)


async def test_empty_blob(blob_store: BlobStore) -> None:
    info = await blob_store.put("empty", chunked())

    assert info == BlobInfo(key="empty", size=0, sha256=sha256(b""))
    assert await blob_store.exists("empty")
    assert await blob_store.size("empty") == 0
    assert await read_all(blob_store, "empty") == b""
    assert await read_all(blob_store, "empty", 0, 10) == b""


async def test_overwrite_replaces_content(blob_store: BlobStore) -> None:
    await blob_store.put("k", chunked(BIG))
    info = await blob_store.put("k", chunked(b"short"))

    assert info.size == 5
    assert await read_all(blob_store, "k") == b"short"
    assert await blob_store.size("k") == 5


# --- missing keys, delete ----------------------------------------------------


async def test_missing_key(blob_store: BlobStore) -> None:
    stream = blob_store.get("nope/missing")  # lazy: the error comes on first iteration
    with pytest.raises(BlobNotFound):
        await anext(stream)
    with pytest.raises(BlobNotFound):
        await read_all(blob_store, "nope/missing", 0, 0)
    with pytest.raises(BlobNotFound):
        await blob_store.size("nope/missing")
    with pytest.raises(BlobNotFound):
        await blob_store.move("nope/missing", "elsewhere")
    assert not await blob_store.exists("nope/missing")
    assert not await blob_store.exists("elsewhere")


async def test_delete_is_idempotent(blob_store: BlobStore) -> None:
    await blob_store.put("d", chunked(b"data"))

    await blob_store.delete("d")
    await blob_store.delete("d")
    await blob_store.delete("never/existed")

    assert not await blob_store.exists("d")
    with pytest.raises(BlobNotFound):
        await read_all(blob_store, "d")


# --- move --------------------------------------------------------------------


async def test_move_renames_and_replaces_target(blob_store: BlobStore) -> None:
    await blob_store.put("src", chunked(BIG))
    await blob_store.put("deep/nested/dst", chunked(b"old"))

    await blob_store.move("src", "deep/nested/dst")

    assert not await blob_store.exists("src")
    assert await read_all(blob_store, "deep/nested/dst") == BIG
    assert await stored_keys(blob_store) == {"deep/nested/dst"}


async def test_move_onto_itself_keeps_blob(blob_store: BlobStore) -> None:
    await blob_store.put("same", chunked(b"keep me"))

    await blob_store.move("same", "same")

    assert await read_all(blob_store, "same") == b"keep me"


# --- failures leave nothing behind -------------------------------------------


async def failing_after(data: bytes) -> AsyncIterator[bytes]:
    for piece in pieces(data, MiB):
        yield piece
    raise RuntimeError("client went away")


@pytest.mark.parametrize("sent", [5, 9 * MiB], ids=["single-part", "multipart"])
async def test_failed_put_keeps_previous_blob_and_leaves_no_partial(
    blob_store: BlobStore, sent: int
) -> None:
    await blob_store.put("k", chunked(b"previous"))

    with pytest.raises(RuntimeError, match="client went away"):
        await blob_store.put("k", failing_after(os.urandom(sent)))

    assert await read_all(blob_store, "k") == b"previous"
    assert await stored_keys(blob_store) == {"k"}


async def test_cancelled_put_leaves_no_partial(blob_store: BlobStore) -> None:
    produced = asyncio.Event()
    never = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        yield os.urandom(MiB)
        produced.set()
        await never.wait()
        yield b"never sent"

    upload = asyncio.create_task(blob_store.put("k", stalls()))
    await asyncio.wait_for(produced.wait(), 10)
    await asyncio.sleep(0.05)  # let the adapter consume the first chunk
    upload.cancel()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(upload, 10)
    assert not await blob_store.exists("k")
    assert await stored_keys(blob_store) == set()


# --- content addressing ------------------------------------------------------


async def test_content_addressing_stores_identical_content_once(blob_store: BlobStore) -> None:
    other = b"other content"

    first = await put_content_addressed(blob_store, chunked(*pieces(BIG, 100_000)))
    again = await put_content_addressed(blob_store, chunked(BIG))
    distinct = await put_content_addressed(blob_store, chunked(other))

    assert (
        first == again == BlobInfo(key=content_key(sha256(BIG)), size=len(BIG), sha256=sha256(BIG))
    )
    assert first.key == f"sha256/{sha256(BIG)[:2]}/{sha256(BIG)}"
    assert distinct.key == content_key(sha256(other))
    assert await stored_keys(blob_store) == {first.key, distinct.key}  # no incoming/ leftovers
    assert await read_all(blob_store, first.key) == BIG
    assert await read_all(blob_store, distinct.key) == other


async def test_max_size_exceeded_stops_and_leaves_nothing(blob_store: BlobStore) -> None:
    pulled = 0

    async def hundred_mib() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(100):
            pulled += 1
            yield b"\0" * MiB

    with pytest.raises(BlobTooLarge) as raised:
        await put_content_addressed(blob_store, hundred_mib(), max_size=3 * MiB)

    assert raised.value.max_size == 3 * MiB
    assert pulled == 4  # stopped on the first chunk over the limit, not read to the end
    assert await stored_keys(blob_store) == set()


async def test_max_size_is_inclusive(blob_store: BlobStore) -> None:
    info = await put_content_addressed(blob_store, chunked(b"12345"), max_size=5)
    assert info.size == 5


def test_content_key_rejects_non_digests() -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        content_key("../../etc/passwd")
    with pytest.raises(ValueError, match="SHA-256"):
        content_key(sha256(b"x").upper())


# --- keys --------------------------------------------------------------------


INVALID_KEYS = ["", "/abs/path", "../up", "a/../../b", "a/./b", "a//b", "dir/", "a\\b", "a\x00b"]


@pytest.mark.parametrize("key", INVALID_KEYS)
async def test_invalid_keys_are_rejected(blob_store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError, match="invalid blob key"):
        await blob_store.put(key, chunked(b"x"))
    with pytest.raises(ValueError, match="invalid blob key"):
        await read_all(blob_store, key)
    with pytest.raises(ValueError, match="invalid blob key"):
        await blob_store.size(key)
    with pytest.raises(ValueError, match="invalid blob key"):
        await blob_store.exists(key)
    with pytest.raises(ValueError, match="invalid blob key"):
        await blob_store.delete(key)
    with pytest.raises(ValueError, match="invalid blob key"):
        await blob_store.move("fine", key)
    assert await stored_keys(blob_store) == set()


async def test_filesystem_keys_cannot_reach_temp_area(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    with pytest.raises(ValueError, match="reserved"):
        await store.put(".tmp/x.part", chunked(b"x"))
    assert not (tmp_path / ".tmp" / "x.part").exists()


# --- early stop, ping ---------------------------------------------------------


async def test_consumer_stopping_early_does_not_break_later_calls(blob_store: BlobStore) -> None:
    await blob_store.put("big", chunked(BIG))
    await read_all(blob_store, "big")  # warm pools so the fd baseline includes them
    baseline = open_fds()

    # More abandoned reads than the S3 client's connection pool has slots.
    for attempt in range(12):
        stream = blob_store.get("big")
        assert len(await anext(stream)) == MiB
        if attempt % 2:
            # The port types get() as AsyncIterator; closing needs the generator API.
            assert isinstance(stream, AsyncGenerator)
            await stream.aclose()
        else:
            del stream  # abandoned: the loop's async-generator finalizer must clean up
            gc.collect()

    for _ in range(100):  # give finalizer tasks a moment to run
        if open_fds() <= baseline + 2:
            break
        await asyncio.sleep(0.02)
    assert open_fds() <= baseline + 2
    assert await read_all(blob_store, "big", 5, 10) == BIG[5:15]
    assert await read_all(blob_store, "big") == BIG
    assert (await blob_store.put("after", chunked(b"ok"))).size == 2


async def test_ping_reachable(blob_store: BlobStore) -> None:
    await blob_store.ping()


async def test_ping_unreachable_raises(blob_store: BlobStore, tmp_path: Path) -> None:
    unreachable: BlobStore
    if isinstance(blob_store, FilesystemBlobStore):
        unreachable = FilesystemBlobStore(tmp_path / "not-mounted")
    else:
        unreachable = s3_store(f"127.0.0.1:{free_port()}", "any-bucket")  # nothing listens

    with pytest.raises(ConnectionError):
        await asyncio.wait_for(unreachable.ping(), 10)
    await unreachable.close()


async def test_s3_ping_raises_for_missing_bucket(moto_endpoint: str) -> None:
    store = s3_store(moto_endpoint, "no-such-bucket-here")
    with pytest.raises(ConnectionError, match="does not exist"):
        await store.ping()
    await store.close()


# --- factory -------------------------------------------------------------------


async def test_factory_file_url_absolute(tmp_path: Path) -> None:
    store = open_blob_store(f"file://{tmp_path}/store")
    assert isinstance(store, FilesystemBlobStore)
    await store.put("a/b", chunked(b"hi"))
    assert (tmp_path / "store" / "a" / "b").read_bytes() == b"hi"


def test_factory_file_url_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_blob_store("file://data/blobs")
    assert isinstance(store, FilesystemBlobStore)
    assert (tmp_path / "data" / "blobs").is_dir()


async def test_factory_s3_url_talks_to_the_bucket(moto_endpoint: str) -> None:
    store = open_blob_store(
        f"s3://{moto_endpoint}/factory-bucket?secure=false&region=us-east-1",
        access_key="testing",
        secret_key="testing",
    )
    assert isinstance(store, S3BlobStore)
    await store.ensure_bucket()
    await store.ensure_bucket()  # idempotent
    await store.put("k", chunked(b"via factory"))
    assert await read_all(store, "k") == b"via factory"
    await store.ping()
    await store.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host/bucket", "'ftp'"),
        ("/plain/path", "scheme ''"),
        ("s3://host:9000", "bucket"),
        ("s3://host:9000/a/b", "bucket"),
        ("s3://host:9000/b?secrue=false", "secrue"),
        ("s3://host:9000/b?secure=maybe", "secure"),
    ],
)
def test_factory_rejects_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_blob_store(url)
