"""The transfer service in-process for the transfer's HTTP tests (no tests here)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from directory_fixtures import bearer
from ent_kit.auth import Identity
from ent_kit.http import create_app
from ent_kit.runtime import Runtime
from ent_transfer.service import SERVICE
from ent_transfer.settings import TransferSettings
from kit_fixtures import TEST_KEYS
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider

Client = AsyncTestClient[Any]
TEACHER = Identity(user_id="teacher-1", profile="teacher", school_id="school-1")
OTHER = Identity(user_id="teacher-2", profile="teacher", school_id="school-1")
TUS = {"tus-resumable": "1.0.0"}


@dataclasses.dataclass
class Running:
    client: Client
    runtime: Runtime
    blob_root: Path


def settings(tmp_path: Path, **changes: Any) -> TransferSettings:
    return TransferSettings(
        service_name="transfer",
        **TEST_KEYS.settings("transfer"),
        store_url=f"sqlite://{tmp_path}/transfer.db",
        blob_url=f"file://{tmp_path}/blobs",
        transfer_argon2_memory_kib=1024,
        transfer_argon2_time_cost=1,
        **changes,
    )


async def start(tmp_path: Path, **changes: Any) -> AsyncIterator[Running]:
    runtime = Runtime(
        dataclasses.replace(SERVICE, uses_broker=False),
        settings(tmp_path, **changes),
        TracerProvider(),
    )
    async with AsyncTestClient(create_app(runtime)) as client:
        yield Running(client, runtime, tmp_path / "blobs")


@pytest.fixture
async def transfer(tmp_path: Path) -> AsyncIterator[Running]:
    async for running in start(
        tmp_path,
        transfer_max_bytes=10 * 1024 * 1024,
        transfer_max_active=3,
        transfer_expiry_interval_s=0.3,
    ):
        yield running


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15) -> None:
    """Wait for the periodic jobs to have done their part."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.1)


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


async def new_transfer(client: Client, files: dict[str, bytes], **options: Any) -> dict[str, Any]:
    body = {
        "files": [
            {"path": p, "size": len(d), "media_type": "text/plain"} for p, d in files.items()
        ],
        **options,
    }
    answer = await client.post("/transfer/transfers", json=body, headers=bearer(TEACHER))
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def create_upload(client: Client, transfer_id: str, path: str, size: int) -> str:
    answer = await client.post(
        f"/transfer/transfers/{transfer_id}/files",
        headers={
            **TUS,
            **bearer(TEACHER),
            "upload-length": str(size),
            "upload-metadata": metadata(filename=path.rsplit("/", 1)[-1], relativePath=path),
        },
    )
    assert answer.status_code == 201, answer.text
    location = answer.headers["location"]
    assert location.startswith("files/")
    return f"/transfer/transfers/{transfer_id}/{location}"


async def patch(client: Client, url: str, offset: int, data: bytes, **headers: str) -> Any:
    return await client.patch(
        url,
        content=data,
        headers={
            **TUS,
            **bearer(TEACHER),
            "upload-offset": str(offset),
            "content-type": "application/offset+octet-stream",
            **headers,
        },
    )


async def upload_all(client: Client, transfer_id: str, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        url = await create_upload(client, transfer_id, path, len(data))
        answer = await patch(client, url, 0, data)
        assert answer.status_code == 204, answer.text
