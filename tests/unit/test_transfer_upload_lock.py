"""One request at a time appends to a tus upload, whichever replica it reaches: the lock is a
document of the store, and what a request records is fenced by it (checked as the record
commits)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from directory_fixtures import bearer
from ent_kit.errors import Conflict
from ent_transfer.application.uploads import LOCKS
from ent_transfer.service import tus_uploads
from test_transfer_support import (
    TEACHER,
    TUS,
    Running,
    create_upload,
    new_transfer,
    patch,
    transfer,
)

__all__ = ["transfer"]
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

FILES = {"notes.txt": b"n" * 300}


class Paused:
    """A PATCH body that sends its first half, then waits to be told to go on."""

    def __init__(self, half: bytes) -> None:
        self.half = half
        self.go_on = asyncio.Event()

    async def chunks(self) -> AsyncIterator[bytes]:
        yield self.half
        await self.go_on.wait()
        yield self.half


async def paused_append(transfer: Running, url: str, body: Paused) -> asyncio.Task[Any]:
    """An append under way (as a PATCH streams it), once it holds the upload's lock. Called
    on the service itself: the test client sends a request's body whole, before the app runs."""
    transfer_id, upload_id = url.split("/")[-3], url.split("/")[-1]
    uploads = tus_uploads(transfer.runtime)
    append = uploads.append(
        TEACHER, transfer_id, upload_id, 0, body.chunks(), content_length=None, checksum=None
    )
    task = asyncio.create_task(append)
    for _ in range(500):
        if await transfer.runtime.storage.documents.get(LOCKS, upload_id) is not None:
            return task
        await asyncio.sleep(0.01)
    raise AssertionError("the append never took the upload's lock")


async def offset(transfer: Running, url: str) -> str:
    head = await transfer.client.head(url, headers={**TUS, **bearer(TEACHER)})
    return str(head.headers["upload-offset"])


async def an_upload(transfer: Running) -> str:
    created = await new_transfer(transfer.client, FILES)
    return await create_upload(transfer.client, created["transfer_id"], "notes.txt", 300)


async def test_a_second_patch_while_one_appends_is_told_busy(transfer: Running) -> None:
    url = await an_upload(transfer)
    body = Paused(b"n" * 100)
    first = await paused_append(transfer, url, body)

    second = await patch(transfer.client, url, 0, b"n" * 100)

    assert second.status_code == 409, second.text
    assert second.json()["code"] == "upload_busy"
    body.go_on.set()
    assert (await first).offset == 200
    upload_id = url.rsplit("/", 1)[-1]
    assert await transfer.runtime.storage.documents.get(LOCKS, upload_id) is None  # released
    assert (await patch(transfer.client, url, 200, b"n" * 100)).status_code == 204


async def test_a_request_whose_lock_was_taken_over_records_nothing(transfer: Running) -> None:
    """A request that stalled past the lock's staleness lost it to another replica: the
    bytes it then received are not recorded, and the new holder's lock stays."""
    url = await an_upload(transfer)
    upload_id = url.rsplit("/", 1)[-1]
    body = Paused(b"n" * 100)
    first = await paused_append(transfer, url, body)
    taken_over = {"at": "2099-01-01T00:00:00+00:00", "holder": "another-replica"}
    async with transfer.runtime.storage.documents.transaction() as tx:
        await tx.put(LOCKS, upload_id, taken_over)

    body.go_on.set()

    with pytest.raises(Conflict) as refused:
        await first
    assert refused.value.reason == "upload_busy"
    held = await transfer.runtime.storage.documents.get(LOCKS, upload_id)
    assert held is not None
    assert held["holder"] == "another-replica"
    async with transfer.runtime.storage.documents.transaction() as tx:
        await tx.delete(LOCKS, upload_id)  # the other replica ends its request
    assert await offset(transfer, url) == "0"
