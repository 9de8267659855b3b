"""tus 1.0 on the transfer service, in-process: creation, offsets, resumption, errors."""

from __future__ import annotations

import base64
import hashlib

import pytest
from directory_fixtures import bearer
from test_transfer_support import (
    OTHER,
    TEACHER,
    TUS,
    Running,
    create_upload,
    metadata,
    new_transfer,
    patch,
    transfer,
    upload_all,
)

__all__ = ["transfer"]
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

FILES = {"cours/ch1.txt": b"a" * 1000, "cours/annexes/ch2.txt": b"b" * 500}


async def test_options_tells_what_the_server_supports(transfer: Running) -> None:
    answer = await transfer.client.options("/transfer/transfers/x/files", headers=bearer(TEACHER))
    assert answer.status_code == 204
    assert answer.headers["tus-version"] == "1.0.0"
    assert set(answer.headers["tus-extension"].split(",")) >= {
        "creation",
        "expiration",
        "termination",
        "checksum",
    }
    assert answer.headers["tus-max-size"] == str(10 * 1024 * 1024)


async def test_a_folder_uploaded_in_pieces_completes_the_transfer(transfer: Running) -> None:
    client = transfer.client
    created = await new_transfer(client, FILES)
    assert created["state"] == "uploading"
    assert created["share_url"] is None
    tid = created["transfer_id"]
    url = await create_upload(client, tid, "cours/ch1.txt", 1000)
    first = await patch(client, url, 0, FILES["cours/ch1.txt"][:600])
    assert first.status_code == 204, first.text
    assert first.headers["upload-offset"] == "600"
    assert "upload-expires" in first.headers
    head = await client.head(url, headers={**TUS, **bearer(TEACHER)})
    assert head.status_code == 200
    assert head.headers["upload-offset"] == "600"
    assert head.headers["upload-length"] == "1000"
    assert head.headers["cache-control"] == "no-store"
    rest = await patch(client, url, 600, FILES["cours/ch1.txt"][600:])
    assert rest.headers["upload-offset"] == "1000"
    await upload_all(client, tid, {"cours/annexes/ch2.txt": FILES["cours/annexes/ch2.txt"]})
    done = (await client.get(f"/transfer/transfers/{tid}", headers=bearer(TEACHER))).json()
    assert done["state"] == "ready"
    assert done["share_url"].startswith("http://127.0.0.1:8000/api/transfer/links/")
    assert all(f["uploaded"] for f in done["files"])


async def test_head_needs_the_owner_s_token(transfer: Running) -> None:
    """HEAD reads an upload's offset: the middleware checks its token like any GET's (a
    Litestar default would let HEAD through unauthenticated)."""
    client = transfer.client
    created = await new_transfer(client, FILES)
    url = await create_upload(client, created["transfer_id"], "cours/ch1.txt", 1000)
    assert (await client.head(url, headers=TUS)).status_code == 401
    assert (await client.head(url, headers={**TUS, **bearer(OTHER)})).status_code == 404
    assert (await client.head(url, headers={**TUS, **bearer(TEACHER)})).status_code == 200


async def test_protocol_errors(transfer: Running) -> None:
    client = transfer.client
    tid = (await new_transfer(client, FILES))["transfer_id"]
    url = await create_upload(client, tid, "cours/ch1.txt", 1000)
    # Wrong offset: 409, nothing written.
    wrong = await patch(client, url, 5, b"xxxxx")
    assert wrong.status_code == 409, wrong.text
    # Missing or bad Tus-Resumable: 412 with the version supported.
    no_version = await client.patch(
        url,
        content=b"x",
        headers={
            **bearer(TEACHER),
            "upload-offset": "0",
            "content-type": "application/offset+octet-stream",
        },
    )
    assert no_version.status_code == 412
    assert no_version.headers["tus-version"] == "1.0.0"
    # Bad content type: 415.
    wrong_type = await patch(client, url, 0, b"x", **{"content-type": "text/plain"})
    assert wrong_type.status_code == 415
    # More than the upload's length: 413.
    too_much = await patch(client, url, 0, b"x" * 1001)
    assert too_much.status_code == 413
    # An upload larger than the server takes: 413 at creation.
    huge = await client.post(
        f"/transfer/transfers/{tid}/files",
        headers={
            **TUS,
            **bearer(TEACHER),
            "upload-length": str(11 * 1024 * 1024),
            "upload-metadata": metadata(filename="ch1.txt"),
        },
    )
    assert huge.status_code == 413
    # A file the transfer did not declare: 400 naming it.
    undeclared = await client.post(
        f"/transfer/transfers/{tid}/files",
        headers={
            **TUS,
            **bearer(TEACHER),
            "upload-length": "3",
            "upload-metadata": metadata(filename="x.txt"),
        },
    )
    assert undeclared.status_code == 400
    # Unknown upload, or someone else's: 404.
    unknown = await client.head(
        f"/transfer/transfers/{tid}/files/nope", headers={**TUS, **bearer(TEACHER)}
    )
    assert unknown.status_code == 404
    theirs = await client.head(url, headers={**TUS, **bearer(OTHER)})
    assert theirs.status_code == 404
    head = await client.head(url, headers={**TUS, **bearer(TEACHER)})
    assert head.headers["upload-offset"] == "0"


async def test_checksum_mismatch_keeps_nothing(transfer: Running) -> None:
    client = transfer.client
    tid = (await new_transfer(client, FILES))["transfer_id"]
    url = await create_upload(client, tid, "cours/ch1.txt", 1000)
    data = FILES["cours/ch1.txt"][:400]
    bad = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    mismatch = await patch(client, url, 0, data, **{"upload-checksum": f"sha1 {bad}"})
    assert mismatch.status_code == 460
    head = await client.head(url, headers={**TUS, **bearer(TEACHER)})
    assert head.headers["upload-offset"] == "0"
    good = base64.b64encode(hashlib.sha1(data).digest()).decode()
    ok = await patch(client, url, 0, data, **{"upload-checksum": f"sha1 {good}"})
    assert ok.status_code == 204
    assert ok.headers["upload-offset"] == "400"


async def test_termination_and_method_override(transfer: Running) -> None:
    client = transfer.client
    tid = (await new_transfer(client, FILES))["transfer_id"]
    url = await create_upload(client, tid, "cours/ch1.txt", 1000)
    await patch(client, url, 0, b"a" * 10)
    head = await client.post(
        url, headers={**TUS, **bearer(TEACHER), "x-http-method-override": "HEAD"}
    )
    assert head.status_code == 200
    assert head.headers["upload-offset"] == "10"
    gone = await client.delete(url, headers={**TUS, **bearer(TEACHER)})
    assert gone.status_code == 204
    assert (await client.head(url, headers={**TUS, **bearer(TEACHER)})).status_code == 404
    assert not list((transfer.blob_root / ".tmp" / "uploads").glob("*.part"))
