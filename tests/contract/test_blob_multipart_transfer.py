"""The transfer service on S3 (moto, over HTTP): tus pieces smaller than a part go through
tail objects, the link serves the bytes, and the expiry job really deletes them (NoSuchKey),
aborting the multipart upload of an abandoned transfer."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import os
import uuid
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest_blobs import MOTO_ACCESS_KEY, MOTO_SECRET_KEY, moto_endpoint, s3_store
from ent_kit.auth import Identity
from ent_kit.dev_keys import DevKeys
from ent_kit.http import create_app
from ent_kit.runtime import Runtime
from ent_transfer.service import SERVICE
from ent_transfer.settings import TransferSettings
from litestar.testing import AsyncTestClient
from minio.error import S3Error
from opentelemetry.sdk.trace import TracerProvider

__all__ = ["moto_endpoint"]
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

MiB = 1024 * 1024
KEYS = DevKeys.generate()
TEACHER = Identity(user_id="teacher-1", profile="teacher", school_id="school-1")
AUTH = {"authorization": f"Bearer {KEYS.user_token(TEACHER)}"}
TUS = {"tus-resumable": "1.0.0", **AUTH}
Client = AsyncTestClient[Any]


@dataclasses.dataclass
class OnS3:
    client: Client
    bucket: str
    store: Any


@pytest.fixture
async def on_s3(moto_endpoint: str, tmp_path: Path) -> AsyncIterator[OnS3]:
    bucket = f"transfer-{uuid.uuid4().hex[:12]}"
    store = s3_store(moto_endpoint, bucket)
    await store.ensure_bucket()
    settings = TransferSettings(
        service_name="transfer",
        **KEYS.settings("transfer"),
        store_url=f"sqlite://{tmp_path}/transfer.db",
        blob_url=f"s3://{moto_endpoint}/{bucket}?secure=false&region=us-east-1",
        s3_access_key=MOTO_ACCESS_KEY,
        s3_secret_key=MOTO_SECRET_KEY,
        transfer_expiry_interval_s=0.3,
        transfer_upload_ttl_s=4,
    )
    runtime = Runtime(dataclasses.replace(SERVICE, uses_broker=False), settings, TracerProvider())
    async with AsyncTestClient(create_app(runtime)) as client:
        yield OnS3(client, bucket, store)
    await store.close()


def objects(on_s3: OnS3) -> set[str]:
    client = on_s3.store._client
    return {o.object_name for o in client.list_objects(on_s3.bucket, recursive=True)}


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 40) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.2)


async def upload(client: Client, transfer_id: str, path: str, data: bytes, piece: int) -> None:
    meta = "relativePath " + base64.b64encode(path.encode()).decode()
    created = await client.post(
        f"/transfer/transfers/{transfer_id}/files",
        headers={**TUS, "upload-length": str(len(data)), "upload-metadata": meta},
    )
    assert created.status_code == 201, created.text
    url = f"/transfer/transfers/{transfer_id}/{created.headers['location']}"
    for start in range(0, len(data), piece):
        answer = await client.patch(
            url,
            content=data[start : start + piece],
            headers={
                **TUS,
                "upload-offset": str(start),
                "content-type": "application/offset+octet-stream",
            },
        )
        assert answer.status_code == 204, answer.text


async def test_pieces_under_a_part_then_expiry_deletes_the_objects(on_s3: OnS3) -> None:
    client = on_s3.client
    files = {"cours/video.bin": os.urandom(9 * MiB + 5), "cours/notes.txt": b"notes" * 100}
    created = await client.post(
        "/transfer/transfers",
        json={
            "files": [{"path": p, "size": len(d)} for p, d in files.items()],
            "expires_in_days": 10 / 86400,  # 10 s: long enough to upload under load
        },
        headers=AUTH,
    )
    assert created.status_code == 201, created.text
    transfer_id = created.json()["transfer_id"]
    await upload(client, transfer_id, "cours/video.bin", files["cours/video.bin"], 3 * MiB)
    await upload(client, transfer_id, "cours/notes.txt", files["cours/notes.txt"], 100)
    view = (await client.get(f"/transfer/transfers/{transfer_id}", headers=AUTH)).json()
    link = "/transfer/links/" + view["share_url"].rsplit("/", 1)[-1]
    zipped = await client.get(f"{link}/zip")
    assert zipped.status_code == 200
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == files
    stored = objects(on_s3)
    assert len(stored) == 2  # the two files; no tail left over
    assert all(key.startswith(f"transfers/{transfer_id}/") for key in stored)

    async def gone() -> bool:
        return (await client.get(link)).status_code == 410 and not objects(on_s3)

    await eventually(gone)
    for key in stored:
        with pytest.raises(S3Error) as missing:
            on_s3.store._client.stat_object(on_s3.bucket, key)
        assert missing.value.code == "NoSuchKey"


async def test_an_abandoned_upload_is_aborted_with_its_tail(on_s3: OnS3) -> None:
    client = on_s3.client
    data = os.urandom(12 * MiB)
    created = await client.post(
        "/transfer/transfers",
        json={"files": [{"path": "gros.bin", "size": len(data)}]},
        headers=AUTH,
    )
    transfer_id = created.json()["transfer_id"]
    meta = "relativePath " + base64.b64encode(b"gros.bin").decode()
    creation = await client.post(
        f"/transfer/transfers/{transfer_id}/files",
        headers={**TUS, "upload-length": str(len(data)), "upload-metadata": meta},
    )
    url = f"/transfer/transfers/{transfer_id}/{creation.headers['location']}"
    part = await client.patch(
        url,
        content=data[: 10 * MiB],  # one 8 MiB part sent, 2 MiB waiting in a tail object
        headers={**TUS, "upload-offset": "0", "content-type": "application/offset+octet-stream"},
    )
    assert part.status_code == 204
    assert any(key.startswith("partial/") for key in objects(on_s3))
    uploads = on_s3.store._client._list_multipart_uploads(on_s3.bucket).uploads
    assert len(uploads) == 1

    async def dropped() -> bool:
        listed = on_s3.store._client._list_multipart_uploads(on_s3.bucket).uploads
        return not objects(on_s3) and not listed

    await eventually(dropped)
    expired = await client.head(url, headers=TUS)
    assert expired.status_code in (404, 410)
    mine = (await client.get("/transfer/transfers", headers=AUTH)).json()
    assert mine["items"] == []  # the abandoned transfer is gone
