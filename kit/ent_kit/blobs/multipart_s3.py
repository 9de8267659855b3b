"""Resumable uploads on S3: one multipart upload per blob, the bytes short of a part kept in
a tail object between requests. Every minio call runs in a worker thread."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterable, Callable
from datetime import datetime
from typing import TypeVar

import msgspec
from minio import Minio
from minio.datatypes import Part as MinioPart
from minio.error import S3Error

from ent_kit.blobs.content import validate_key
from ent_kit.blobs.multipart import CHECKPOINT_BYTES, Part, Save, UploadProgress, limited

# Every part but the last is exactly this long, so part n holds bytes from (n-1) * PART_SIZE
# and the tail starts at len(parts) * PART_SIZE. S3 needs >= 5 MiB; at most 10,000 parts.
PART_SIZE = 8 * 1024 * 1024
TAILS = "partial"
CHECKPOINT_PARTS = max(
    1, CHECKPOINT_BYTES // PART_SIZE
)  # tail objects: partial/<upload id>/<parts>-<bytes>

_T = TypeVar("_T")


def tail_key(upload_id: str, parts: int, size: int) -> str:
    """Named after what it holds, so a tail written by a request whose state was never saved
    cannot be mistaken for the recorded one."""
    return f"{TAILS}/{upload_id}/{parts}-{size}"


class S3Uploads:
    def __init__(self, client: Minio, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    async def _call(self, func: Callable[..., _T], *args: object) -> _T:
        return await asyncio.to_thread(func, *args)

    async def start(self, key: str) -> UploadProgress:
        validate_key(key)
        upload_id = await self._call(self._client._create_multipart_upload, self._bucket, key, {})
        return UploadProgress(key=key, upload_id=upload_id)

    async def append(
        self,
        progress: UploadProgress,
        chunks: AsyncIterable[bytes],
        save: Save,
        *,
        max_bytes: int | None = None,
    ) -> UploadProgress:
        buffer = bytearray(await self._read_tail(progress))
        parts = list(progress.parts)
        received = 0
        try:
            async for chunk in limited(chunks, max_bytes):
                buffer += chunk
                received += len(chunk)
                while len(buffer) >= PART_SIZE:
                    part = bytes(buffer[:PART_SIZE])
                    etag = await self._upload_part(progress, len(parts) + 1, part)
                    parts.append(Part(len(parts) + 1, etag))
                    del buffer[:PART_SIZE]
                    if len(parts) % CHECKPOINT_PARTS == 0:
                        # Every byte up to the last part is in S3: a state with no tail.
                        # (The recorded tail object is left to `finish`/`abort`.)
                        await save(
                            msgspec.structs.replace(
                                progress, offset=len(parts) * PART_SIZE, parts=list(parts), tail=0
                            ),
                            False,
                        )
        finally:
            kept = msgspec.structs.replace(
                progress, offset=progress.offset + received, parts=parts, tail=len(buffer)
            )
            await asyncio.shield(self._keep_tail(progress, kept, bytes(buffer), save))
        return kept

    async def _keep_tail(
        self, before: UploadProgress, after: UploadProgress, tail: bytes, save: Save
    ) -> None:
        """Write the new tail, record the state, then drop the old tail (in that order, so a
        crash between leaves the recorded state whole)."""
        old = tail_key(before.upload_id, len(before.parts), before.tail)
        new = tail_key(after.upload_id, len(after.parts), after.tail)
        if new != old and after.tail:
            await self._call(
                self._client.put_object, self._bucket, new, io.BytesIO(tail), len(tail)
            )
        await save(after, True)
        if new != old and before.tail:
            await self._call(self._client.remove_object, self._bucket, old)

    async def _read_tail(self, progress: UploadProgress) -> bytes:
        if not progress.tail:
            return b""
        key = tail_key(progress.upload_id, len(progress.parts), progress.tail)

        def read() -> bytes:
            response = self._client.get_object(self._bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return await self._call(read)

    async def _upload_part(self, progress: UploadProgress, number: int, data: bytes) -> str:
        etag: str = await self._call(
            self._client._upload_part,
            self._bucket,
            progress.key,
            data,
            None,
            progress.upload_id,
            number,
        )
        return etag

    async def finish(self, progress: UploadProgress) -> int:
        parts = list(progress.parts)
        if progress.tail or not parts:
            last = await self._read_tail(progress)
            if not parts and not last:  # an empty file: S3 refuses a multipart of no part
                await self._call(
                    self._client.put_object, self._bucket, progress.key, io.BytesIO(b""), 0
                )
                await self.abort(progress)
                return 0
            parts.append(
                Part(len(parts) + 1, await self._upload_part(progress, len(parts) + 1, last))
            )
        await self._call(
            self._client._complete_multipart_upload,
            self._bucket,
            progress.key,
            progress.upload_id,
            [MinioPart(p.number, p.etag) for p in parts],
        )
        await self._drop_tails(progress.upload_id)
        return progress.offset

    async def abort(self, progress: UploadProgress) -> None:
        if progress.key:
            try:
                await self._call(
                    self._client._abort_multipart_upload,
                    self._bucket,
                    progress.key,
                    progress.upload_id,
                )
            except S3Error as exc:
                if exc.code != "NoSuchUpload":
                    raise
        await self._drop_tails(progress.upload_id)

    async def _drop_tails(self, upload_id: str) -> None:
        def drop() -> None:
            listed = self._client.list_objects(
                self._bucket, prefix=f"{TAILS}/{upload_id}/", recursive=True
            )
            for obj in listed:
                if obj.object_name:
                    with contextlib.suppress(S3Error):
                        self._client.remove_object(self._bucket, obj.object_name)

        await self._call(drop)

    async def stale(self, older_than: datetime, prefix: str = "") -> list[UploadProgress]:
        def listed() -> list[UploadProgress]:
            found: list[UploadProgress] = []
            result = self._client._list_multipart_uploads(
                self._bucket, max_uploads=1000, prefix=prefix or None
            )
            for upload in result.uploads:
                started = upload.initiated_time
                if started is not None and started < older_than and upload.upload_id:
                    found.append(
                        UploadProgress(key=upload.object_name or "", upload_id=upload.upload_id)
                    )
            return found

        return await self._call(listed)
