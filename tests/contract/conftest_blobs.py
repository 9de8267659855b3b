"""Fixtures for the blob store contract tests.

Imported explicitly by the test modules (not a conftest.py, which other suites own).
The S3 adapter is exercised over real HTTP against a moto server subprocess.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from ent_kit.blobs.filesystem import FilesystemBlobStore
from ent_kit.blobs.port import BlobStore
from ent_kit.blobs.s3 import S3BlobStore

MOTO_REGION = "us-east-1"
MOTO_ACCESS_KEY = "testing"
MOTO_SECRET_KEY = "testing"
ADAPTERS = ["filesystem", "s3"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited early:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto_server did not listen on {port} within 30s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """host:port of a moto S3 server running for the whole session."""
    moto_server = Path(sys.executable).parent / "moto_server"
    port = free_port()
    # A log file rather than a pipe: nobody drains a pipe, and a full one blocks moto.
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(moto_server), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_listening(process, port, log)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def s3_store(endpoint: str, bucket: str) -> S3BlobStore:
    return S3BlobStore(
        endpoint=endpoint,
        bucket=bucket,
        access_key=MOTO_ACCESS_KEY,
        secret_key=MOTO_SECRET_KEY,
        secure=False,
        region=MOTO_REGION,
    )


@pytest.fixture(params=ADAPTERS)
async def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    """A fresh, empty store per test: its own directory, or its own bucket."""
    store: FilesystemBlobStore | S3BlobStore
    if request.param == "filesystem":
        root = tmp_path / "blobs"
        root.mkdir()
        store = FilesystemBlobStore(root)
    else:
        endpoint: str = request.getfixturevalue("moto_endpoint")
        store = s3_store(endpoint, f"contract-{uuid.uuid4().hex[:16]}")
        await store.ensure_bucket()
    yield store
    await store.close()


async def stored_keys(store: BlobStore) -> set[str]:
    """Everything physically present, temp files included (white-box: reads adapter state)."""
    if isinstance(store, FilesystemBlobStore):
        root: Path = store._root
        files = await asyncio.to_thread(lambda: [p for p in root.rglob("*") if p.is_file()])
        return {path.relative_to(root).as_posix() for path in files}
    assert isinstance(store, S3BlobStore)
    client, bucket = store._client, store._bucket
    objects = await asyncio.to_thread(lambda: list(client.list_objects(bucket, recursive=True)))
    return {obj.object_name for obj in objects if obj.object_name is not None}
