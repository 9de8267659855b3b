"""Resumable uploads on a directory: a partial file per upload, renamed to its key at the end."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import msgspec

from ent_kit.blobs.content import validate_key
from ent_kit.blobs.multipart import CHECKPOINT_BYTES, Save, UploadProgress, limited
from ent_kit.blobs.writeback import Writeback

# Under the store's reserved temp directory: no key can name a partial file.
UPLOADS_DIR = ".tmp/uploads"
BATCH = 1024 * 1024  # bytes gathered before each write (one thread hop each)


def _open_at(path: Path, offset: int) -> BinaryIO:
    file = path.open("r+b")
    # Bytes past the recorded offset were written by a request whose state was never
    # saved (a crash): the client sends them again.
    file.truncate(offset)
    file.seek(offset)
    return file


def _sync(file: BinaryIO) -> None:
    file.flush()
    os.fsync(file.fileno())


def _sync_close(file: BinaryIO) -> None:
    _sync(file)
    file.close()


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as file:
        os.fsync(file.fileno())


def _publish(partial: Path, target: Path, size: int) -> None:
    if partial.stat().st_size != size:
        raise ValueError(f"partial upload {partial.name} does not hold {size} bytes")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(partial, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _older(directory: Path, before: float) -> list[str]:
    if not directory.is_dir():
        return []
    return [p.stem for p in directory.glob("*.part") if p.stat().st_mtime < before]


class FilesystemUploads:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._dir = root / UPLOADS_DIR

    def _partial(self, upload_id: str) -> Path:
        if not upload_id or "/" in upload_id or upload_id.startswith("."):
            raise ValueError(f"invalid upload id {upload_id!r}")
        return self._dir / f"{upload_id}.part"

    async def start(self, key: str) -> UploadProgress:
        validate_key(key)
        upload_id = uuid.uuid4().hex
        await asyncio.to_thread(_create, self._partial(upload_id))
        return UploadProgress(key=key, upload_id=upload_id)

    async def append(
        self,
        progress: UploadProgress,
        chunks: AsyncIterable[bytes],
        save: Save,
        *,
        max_bytes: int | None = None,
    ) -> UploadProgress:
        file = await asyncio.to_thread(_open_at, self._partial(progress.upload_id), progress.offset)
        writeback = Writeback(file.fileno())
        written = 0
        checkpoint = CHECKPOINT_BYTES
        batch = bytearray()
        try:
            async for chunk in limited(chunks, max_bytes):
                batch += chunk
                if len(batch) >= BATCH:
                    await asyncio.to_thread(file.write, batch)
                    writeback.nudge()
                    written += len(batch)
                    batch = bytearray()
                if written >= checkpoint:
                    await writeback.settle()
                    await asyncio.to_thread(_sync, file)
                    await save(
                        msgspec.structs.replace(progress, offset=progress.offset + written), False
                    )
                    checkpoint = written + CHECKPOINT_BYTES
        finally:
            # What arrived before a break is kept: written, synced, then recorded.
            async def keep() -> UploadProgress:
                nonlocal written
                if batch:
                    await asyncio.to_thread(file.write, batch)
                    written += len(batch)
                await writeback.settle()
                await asyncio.to_thread(_sync_close, file)
                kept = msgspec.structs.replace(progress, offset=progress.offset + written)
                await save(kept, True)
                return kept

            result = await asyncio.shield(keep())
        return result

    async def finish(self, progress: UploadProgress) -> int:
        target = self._root / validate_key(progress.key)
        await asyncio.to_thread(
            _publish, self._partial(progress.upload_id), target, progress.offset
        )
        return progress.offset

    async def abort(self, progress: UploadProgress) -> None:
        path = self._partial(progress.upload_id)
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(path.unlink)

    async def stale(self, older_than: datetime, prefix: str = "") -> list[UploadProgress]:
        # Partial files do not record their key: every one is listed, whatever `prefix`.
        before = older_than.astimezone(UTC).timestamp()
        ids = await asyncio.to_thread(_older, self._dir, before)
        return [UploadProgress(key="", upload_id=upload_id) for upload_id in ids]
