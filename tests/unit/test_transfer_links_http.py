"""The public link, in-process: what it shows, Range, zip, password, limit, expiry, delete."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from directory_fixtures import bearer
from test_transfer_support import (
    OTHER,
    TEACHER,
    Running,
    eventually,
    new_transfer,
    transfer,
    upload_all,
)

__all__ = ["transfer"]
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

FILES = {
    "cours/ch1.txt": bytes(range(256)) * 40,
    "cours/annexes/ch2.txt": b"deux" * 300,
    "lisez-moi.txt": b"bonjour",
}


def link_path(created: dict[str, object]) -> str:
    url = str(created["share_url"])
    return "/transfer/links/" + url.rsplit("/", 1)[-1]


async def ready(transfer: Running, **options: object) -> tuple[str, dict[str, object]]:
    created = await new_transfer(transfer.client, FILES, **options)
    tid = str(created["transfer_id"])
    await upload_all(transfer.client, tid, FILES)
    view = (await transfer.client.get(f"/transfer/transfers/{tid}", headers=bearer(TEACHER))).json()
    return link_path(view), view


def stored_files(root: Path) -> list[Path]:
    return (
        [p for p in (root / "transfers").rglob("*") if p.is_file()]
        if (root / "transfers").exists()
        else []
    )


async def test_anyone_with_the_link_sees_and_downloads(transfer: Running) -> None:
    client = transfer.client
    link, _view = await ready(transfer, message="Bonne lecture")
    shown = (await client.get(link)).json()  # no token at all
    assert [f["path"] for f in shown["files"]] == list(FILES)
    assert shown["needs_password"] is False
    assert shown["message"] == "Bonne lecture"
    file_id = shown["files"][0]["file_id"]
    whole = await client.get(f"{link}/files/{file_id}")
    assert whole.status_code == 200
    assert whole.content == FILES["cours/ch1.txt"]
    assert "ch1.txt" in whole.headers["content-disposition"]
    part = await client.get(f"{link}/files/{file_id}", headers={"range": "bytes=100-299"})
    assert part.status_code == 206
    assert part.content == FILES["cours/ch1.txt"][100:300]
    zipped = await client.get(f"{link}/zip")
    assert zipped.status_code == 200
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == FILES
    # Counted: the whole file, the zip; not the Range resuming at 100.
    mine = (await client.get("/transfer/transfers", headers=bearer(TEACHER))).json()
    assert mine["items"][0]["downloads"] == 2
    assert (await client.get("/transfer/transfers", headers=bearer(OTHER))).json()["items"] == []


async def test_unknown_and_expired_links_answer_alike(transfer: Running) -> None:
    client = transfer.client
    link, _view = await ready(transfer, expires_in_days=0.00006)  # about 5 s
    unknown = await client.get("/transfer/links/" + "A" * 32)
    assert unknown.status_code == 410
    assert len(stored_files(transfer.blob_root)) == 3

    async def bytes_gone() -> bool:
        return not stored_files(transfer.blob_root)

    await eventually(bytes_gone)  # the expiry job, every 0.3 s here
    expired = await client.get(link)
    assert expired.status_code == 410
    assert expired.json()["code"] == unknown.json()["code"]
    assert expired.json()["title"] == unknown.json()["title"]
    assert stored_files(transfer.blob_root) == []


async def test_password_required_and_throttled(transfer: Running) -> None:
    client = transfer.client
    link, _ = await ready(transfer, password="secret-123")
    shown = (await client.get(link)).json()
    assert shown["needs_password"] is True
    zip_url = f"{link}/zip"
    assert (await client.get(zip_url)).status_code == 401
    assert (await client.get(zip_url, headers={"x-transfer-password": "nope!!"})).status_code == 401
    good = await client.get(zip_url, headers={"x-transfer-password": "secret-123"})
    assert good.status_code == 200
    for _ in range(4):
        await client.get(zip_url, headers={"x-transfer-password": "wrong-guess"})
    throttled = await client.get(zip_url, headers={"x-transfer-password": "secret-123"})
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0


async def test_the_download_limit(transfer: Running) -> None:
    client = transfer.client
    link, _ = await ready(transfer, download_limit=1)
    assert (await client.get(f"{link}/zip")).status_code == 200
    assert (await client.get(f"{link}/zip")).status_code == 410


async def test_the_sender_deletes_early_and_the_bytes_go(transfer: Running) -> None:
    client = transfer.client
    link, view = await ready(transfer)
    assert len(stored_files(transfer.blob_root)) == 3
    other = await client.delete(f"/transfer/transfers/{view['transfer_id']}", headers=bearer(OTHER))
    assert other.status_code == 404
    deleted = await client.delete(
        f"/transfer/transfers/{view['transfer_id']}", headers=bearer(TEACHER)
    )
    assert deleted.status_code == 204
    assert (await client.get(link)).status_code == 410

    async def bytes_gone() -> bool:
        return not stored_files(transfer.blob_root)

    await eventually(bytes_gone)


async def test_my_list_pages_through_living_transfers_only(transfer: Running) -> None:
    """A deleted transfer leaves no hole in a page: the list asks the store for the living
    ones, it does not filter a page after reading it."""
    client = transfer.client
    older = await new_transfer(client, FILES)
    newer = await new_transfer(client, FILES)
    gone = await client.delete(
        f"/transfer/transfers/{newer['transfer_id']}", headers=bearer(TEACHER)
    )
    assert gone.status_code == 204
    page = await client.get("/transfer/transfers", params={"limit": 1}, headers=bearer(TEACHER))
    assert page.status_code == 200, page.text
    assert [t["transfer_id"] for t in page.json()["items"]] == [older["transfer_id"]]


async def test_quota_and_refusals_name_the_field(transfer: Running) -> None:
    client = transfer.client
    bad = await client.post(
        "/transfer/transfers",
        json={"files": [{"path": "../etc/passwd", "size": 3}]},
        headers=bearer(TEACHER),
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "files"
    empty = await client.post(
        "/transfer/transfers",
        json={"files": [{"path": "a.txt", "size": 0}]},
        headers=bearer(TEACHER),
    )
    assert empty.status_code == 400
    too_big = await client.post(
        "/transfer/transfers",
        json={"files": [{"path": "a.bin", "size": 11 * 1024 * 1024}]},
        headers=bearer(TEACHER),
    )
    assert too_big.status_code == 413
    for _ in range(3):
        await new_transfer(client, {"a.txt": b"x"})
    over = await client.post(
        "/transfer/transfers",
        json={"files": [{"path": "a.txt", "size": 1}]},
        headers=bearer(TEACHER),
    )
    assert over.status_code == 422
    assert over.json()["code"] == "transfer_quota_reached"
