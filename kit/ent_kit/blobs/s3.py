"""Blob store on an S3-compatible bucket (MinIO, AWS, moto) via the synchronous minio client."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable
from functools import partial
from typing import BinaryIO, TypeVar, cast

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.error import S3Error
from urllib3.response import BaseHTTPResponse
from urllib3.util import Retry, Timeout

from ent_kit.blobs.content import validate_key
from ent_kit.blobs.multipart_s3 import S3Uploads
from ent_kit.blobs.port import BlobInfo, BlobNotFound

CHUNK_SIZE = 1024 * 1024
# Multipart part size: S3 allows at most 10,000 parts, so 8 MiB parts cap one
# blob at ~78 GiB; each part is held in memory once while it is sent.
PART_SIZE = 8 * 1024 * 1024

_T = TypeVar("_T")
_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchObject"})


class _UploadAborted(Exception):
    """Raised inside minio's read loop so that it aborts the multipart upload."""


class _AsyncStreamReader:
    """Blocking file-like view of an async byte stream, for minio's worker thread.

    Each `read` that needs more data schedules one `anext()` on the event loop and
    waits for it, so at most one source chunk is buffered here at a time.
    """

    def __init__(self, chunks: AsyncIterable[bytes], loop: asyncio.AbstractEventLoop) -> None:
        self._iterator = aiter(chunks)
        self._loop = loop
        self._chunk = b""
        self._pos = 0
        self._exhausted = False
        self._aborted = False
        self._pending: concurrent.futures.Future[bytes | None] | None = None
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        if self._pos >= len(self._chunk):
            self._chunk, self._pos = self._next_chunk(), 0
        if self._pos == 0 and (n < 0 or n >= len(self._chunk)):
            self._pos = len(self._chunk)
            return self._chunk  # whole chunk: hand it over without copying
        end = len(self._chunk) if n < 0 else self._pos + n
        piece = self._chunk[self._pos : end]
        self._pos += len(piece)
        return piece

    def abort(self) -> None:
        """Called from the loop when the put is cancelled; unblocks the worker thread."""
        self._aborted = True
        if self._pending is not None:
            self._pending.cancel()

    def _next_chunk(self) -> bytes:
        while not self._exhausted:
            if self._aborted:
                raise _UploadAborted
            self._pending = asyncio.run_coroutine_threadsafe(self._pull(), self._loop)
            chunk = self._pending.result()
            if chunk is None:
                self._exhausted = True
            elif chunk:
                self.digest.update(chunk)
                self.size += len(chunk)
                return chunk
        return b""

    async def _pull(self) -> bytes | None:
        # StopAsyncIteration must not cross into a Future, so turn it into None.
        try:
            return await anext(self._iterator)
        except StopAsyncIteration:
            return None


def _http_client() -> urllib3.PoolManager:
    # Same settings as minio's default client, except that connection failures are
    # retried only twice: a readiness probe against a dead endpoint should fail in
    # well under a second instead of backing off for several.
    return urllib3.PoolManager(
        timeout=Timeout(connect=10, read=300),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=Retry(
            total=5, connect=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]
        ),
    )


def _release(response: BaseHTTPResponse) -> None:
    # close() drops a half-read connection instead of draining it; release_conn()
    # then hands the slot back to the pool.
    response.close()
    response.release_conn()


def _is_missing(exc: S3Error) -> bool:
    return exc.code in _MISSING_CODES


class S3BlobStore:
    """BlobStore over one bucket. Every minio call runs in a worker thread."""

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        secure: bool,
        region: str | None,
        *,
        max_concurrent_uploads: int = 16,
    ) -> None:
        self._endpoint = endpoint
        self._bucket = bucket
        self._region = region
        self._http = _http_client()
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=self._http,
        )
        # An upload holds its thread for as long as its source keeps streaming.
        # Keeping those threads out of the default executor means slow uploads
        # cannot starve (or, when the source itself reads via to_thread, such as
        # another store's get(), deadlock) the rest of the process.
        self._uploads = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_concurrent_uploads, thread_name_prefix="s3-upload"
        )

    async def _call(self, func: Callable[..., _T], *args: object, **kwargs: object) -> _T:
        return await asyncio.to_thread(func, *args, **kwargs)

    async def ensure_bucket(self) -> None:
        """Create the bucket if needed (startup step; the data path never creates it)."""
        if await self._call(self._client.bucket_exists, self._bucket):
            return
        try:
            await self._call(self._client.make_bucket, self._bucket, location=self._region)
        except S3Error as exc:
            # Another replica may have created it between the check and the call.
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> BlobInfo:
        validate_key(key)
        loop = asyncio.get_running_loop()
        reader = _AsyncStreamReader(chunks, loop)
        upload = loop.run_in_executor(
            self._uploads,
            partial(
                self._client.put_object,
                self._bucket,
                key,
                cast(BinaryIO, reader),  # minio only ever calls read(n)
                length=-1,
                part_size=PART_SIZE,
                # Parallel part uploads would leave their pool threads blocked
                # forever whenever the read loop fails (minio never stops them),
                # and would multiply the memory held per upload.
                num_parallel_uploads=1,
            ),
        )
        try:
            await asyncio.shield(upload)
        except asyncio.CancelledError:
            # Stop the worker (minio then aborts the multipart upload) before
            # giving up, so a cancelled put does not keep uploading unseen.
            reader.abort()
            await asyncio.gather(upload, return_exceptions=True)
            raise
        return BlobInfo(key=key, size=reader.size, sha256=reader.digest.hexdigest())

    async def get(
        self, key: str, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        validate_key(key)
        if offset < 0 or (length is not None and length < 0):
            raise ValueError("offset and length must not be negative")
        if length == 0:
            await self.size(key)  # nothing to read, but a missing blob is still an error
            return
        response = await self._call(self._open_range, key, offset, length)
        if response is None:
            return
        try:
            while chunk := await self._call(response.read, CHUNK_SIZE):
                yield chunk
        finally:
            # Runs on early exit too (aclose / garbage collection of the generator),
            # otherwise an abandoned download would pin a pooled connection.
            await self._call(_release, response)

    def _open_range(self, key: str, offset: int, length: int | None) -> BaseHTTPResponse | None:
        """Start the download; None when the range begins past the end of the blob."""
        try:
            # minio reads length=0 as "to the end".
            return self._client.get_object(self._bucket, key, offset=offset, length=length or 0)
        except S3Error as exc:
            if _is_missing(exc):
                raise BlobNotFound(key) from exc
            if exc.code == "InvalidRange":
                return None
            raise

    async def size(self, key: str) -> int:
        validate_key(key)
        try:
            stat = await self._call(self._client.stat_object, self._bucket, key)
        except S3Error as exc:
            if _is_missing(exc):
                raise BlobNotFound(key) from exc
            raise
        return stat.size or 0

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except BlobNotFound:
            return False
        return True

    async def delete(self, key: str) -> None:
        validate_key(key)
        # S3 DELETE of an absent key already succeeds.
        await self._call(self._client.remove_object, self._bucket, key)

    async def move(self, source: str, target: str) -> None:
        validate_key(source)
        validate_key(target)
        if source == target:
            # Copy-then-delete would destroy the blob; just check it is there.
            await self.size(source)
            return
        try:
            # A single CopyObject is limited to 5 GiB; for larger sources minio's
            # copy_object switches to a multipart UploadPartCopy (compose) on its own.
            await self._call(
                self._client.copy_object, self._bucket, target, CopySource(self._bucket, source)
            )
        except S3Error as exc:
            if _is_missing(exc):
                raise BlobNotFound(source) from exc
            raise
        await self._call(self._client.remove_object, self._bucket, source)

    async def ping(self) -> None:
        try:
            found = await self._call(self._client.bucket_exists, self._bucket)
        except Exception as exc:
            raise ConnectionError(f"S3 endpoint {self._endpoint} unreachable: {exc}") from exc
        if not found:
            raise ConnectionError(f"S3 bucket {self._bucket!r} does not exist")

    def resumable(self) -> S3Uploads:
        """Blobs written over many requests (tus): multipart uploads in the same bucket."""
        return S3Uploads(self._client, self._bucket)

    async def close(self) -> None:
        self._uploads.shutdown(wait=False, cancel_futures=True)
        self._http.clear()
