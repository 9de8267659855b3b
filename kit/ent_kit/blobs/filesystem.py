"""Blob store on a local (or mounted) directory: one file per key, atomic replace on put."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO

from ent_kit.blobs.content import validate_key
from ent_kit.blobs.multipart_fs import FilesystemUploads
from ent_kit.blobs.port import BlobInfo, BlobNotFound
from ent_kit.blobs.writeback import Writeback

CHUNK_SIZE = 1024 * 1024

# Partial uploads live under the root (same filesystem, so os.replace stays atomic)
# but outside the key space, so no key can ever name a half-written file.
_TEMP_DIR = ".tmp"


async def _rechunk(chunks: AsyncIterable[bytes], size: int) -> AsyncIterator[bytes]:
    """Re-cut the stream into pieces of at most `size` bytes.

    Small chunks are merged so a stream of tiny chunks does not cost one thread
    hop per chunk; large ones are split to keep each blocking write bounded.
    """
    pending = bytearray()
    async for chunk in chunks:
        if not pending and len(chunk) == size:
            yield chunk  # the common case: already the right size, skip the copies
            continue
        pending += chunk
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)


def _write(file: BinaryIO, digest: hashlib._Hash, chunk: bytes) -> None:
    digest.update(chunk)
    file.write(chunk)


def _fsync_dir(directory: Path) -> None:
    # The rename is only durable once the directory entry itself is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _commit(file: BinaryIO, temp: Path, target: Path) -> None:
    file.flush()
    os.fsync(file.fileno())
    file.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temp, target)
    _fsync_dir(target.parent)


def _discard(file: BinaryIO, temp: Path) -> None:
    file.close()
    temp.unlink(missing_ok=True)


async def _discarded(writeback: Writeback, file: BinaryIO, temp: Path) -> None:
    await writeback.settle()
    await asyncio.to_thread(_discard, file, temp)


def _open_for_read(key: str, path: Path, offset: int) -> BinaryIO:
    try:
        file = path.open("rb")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
        raise BlobNotFound(key) from exc
    file.seek(offset)
    return file


def _file_size(key: str, path: Path) -> int:
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise BlobNotFound(key) from exc
    if not S_ISREG(stat.st_mode):
        raise BlobNotFound(key)
    return stat.st_size


def _move(key: str, source: Path, target: Path) -> None:
    # A directory is not a blob: os.replace would happily move a whole subtree.
    if not source.is_file():
        raise BlobNotFound(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except FileNotFoundError as exc:  # deleted concurrently
        raise BlobNotFound(key) from exc
    _fsync_dir(target.parent)


def _delete(path: Path) -> None:
    # Absent, or a directory (which is not a blob): either way there is nothing to delete.
    with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
        path.unlink()


def _check_reachable(root: Path) -> None:
    if not root.is_dir() or not os.access(root, os.W_OK | os.X_OK):
        raise ConnectionError(f"blob directory {root} is missing or not writable")


class FilesystemBlobStore:
    """BlobStore over a directory tree. All file I/O runs in worker threads."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        validate_key(key)
        if key.split("/", 1)[0] == _TEMP_DIR:
            raise ValueError(f"invalid blob key {key!r}: {_TEMP_DIR}/ is reserved")
        return self._root / key

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> BlobInfo:
        target = self._path(key)
        temp_dir = self._root / _TEMP_DIR
        temp = temp_dir / f"{uuid.uuid4().hex}.part"
        await asyncio.to_thread(temp_dir.mkdir, parents=True, exist_ok=True)
        file: BinaryIO = await asyncio.to_thread(temp.open, "xb")
        digest = hashlib.sha256()
        writeback = Writeback(file.fileno())
        size = 0
        try:
            async for chunk in _rechunk(chunks, CHUNK_SIZE):
                await asyncio.to_thread(_write, file, digest, chunk)
                writeback.nudge()
                size += len(chunk)
            await writeback.settle()
            await asyncio.to_thread(_commit, file, temp, target)
        except BaseException:
            # Shielded: a cancelled put must still remove its temp file. Closing
            # waits for any write still running in its thread (buffered I/O lock).
            await asyncio.shield(_discarded(writeback, file, temp))
            raise
        return BlobInfo(key=key, size=size, sha256=digest.hexdigest())

    async def get(
        self, key: str, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        path = self._path(key)
        if offset < 0 or (length is not None and length < 0):
            raise ValueError("offset and length must not be negative")
        file = await asyncio.to_thread(_open_for_read, key, path, offset)
        try:
            remaining = length
            while remaining is None or remaining > 0:
                want = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                chunk = await asyncio.to_thread(file.read, want)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            # Runs on early exit too (aclose / garbage collection of the generator).
            await asyncio.to_thread(file.close)

    async def size(self, key: str) -> int:
        return await asyncio.to_thread(_file_size, key, self._path(key))

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(_delete, self._path(key))

    async def move(self, source: str, target: str) -> None:
        await asyncio.to_thread(_move, source, self._path(source), self._path(target))

    async def ping(self) -> None:
        await asyncio.to_thread(_check_reachable, self._root)

    def resumable(self) -> FilesystemUploads:
        """Blobs written over many requests (tus), in the same directory."""
        return FilesystemUploads(self._root)

    async def close(self) -> None:
        """Nothing to release: files are opened and closed per call."""
