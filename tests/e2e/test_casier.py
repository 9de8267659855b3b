"""Seed 000 ("Tutoriel Casier"), paragraph by paragraph, through the gateway.

This module runs its own platform with a trash retention of a few seconds, no blob grace
and a small deposit quota, so that the housekeeping and the limits can be watched."""

from __future__ import annotations

import hashlib
import io
import os
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ent_devstack.stack import Ports, Stack
from platform_api import Headers, sign_in, user_id

pytestmark = pytest.mark.e2e

QUOTA = 3 * 1024 * 1024


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    platform = Stack(
        tmp_path_factory.mktemp("casier"),
        Ports.free(),
        extra_env={
            "ENT_TRASH_RETENTION_DAYS": str(4 / 86400),  # four seconds
            "ENT_HOUSEKEEPING_INTERVAL_S": "1",
            "ENT_BLOB_GRACE_S": "0",
            "ENT_QUOTA_BYTES": str(QUOTA),
        },
    )
    platform.start()
    yield platform
    platform.stop()


def deposit(
    api: httpx.Client,
    auth: Headers,
    recipients: list[str],
    content: bytes,
    name: str = "devoir.pdf",
    **fields: str,
) -> httpx.Response:
    return api.post(
        "/api/locker/deposits",
        headers=auth,
        data={"recipients": recipients, **fields},
        files={"file": (name, content, "application/pdf")},
    )


def ids(api: httpx.Client, auth: Headers, folder: str) -> list[str]:
    return [
        e["document_id"] for e in api.get(f"/api/locker/{folder}", headers=auth).json()["items"]
    ]


def blob_files(stack: Stack) -> set[Path]:
    return {p for p in (stack.data_dir / "locker" / "blobs").rglob("*") if p.is_file()}


def test_student_hands_in_homework_and_cannot_change_it(stack: Stack, api: httpx.Client) -> None:
    student, teacher = sign_in(api, "lucas.martin"), sign_in(api, "prof.francais")
    first = deposit(api, student, [user_id(api, teacher)], b"%PDF v1 " + os.urandom(1000)).json()

    # Historique: what I deposited, for whom and when.
    history = api.get("/api/locker/history", headers=student).json()["items"]
    entry = next(e for e in history if e["document_id"] == first["document_id"])
    assert entry["recipient_ids"] == [user_id(api, teacher)]
    assert entry["deposited_at"] == first["deposited_at"]

    # The sender's trash is their own copy only: the teacher's locker keeps the document.
    trashed = api.post(
        "/api/locker/documents/trash",
        headers=student,
        json={"document_ids": [first["document_id"]]},
    ).json()
    assert trashed["done"] == [first["document_id"]]
    assert first["document_id"] in ids(api, teacher, "received")
    assert first["document_id"] not in ids(api, student, "history")

    # No way to touch the copy in someone else's locker: the teacher's copy is not the
    # student's to restore or delete, and it answers like an unknown id.
    for action in ("restore", "delete"):
        response = api.post(
            f"/api/locker/documents/{action}",
            headers=sign_in(api, "emma.richard"),
            json={"document_ids": [first["document_id"]]},
        )
        assert response.json()["not_found"] == [first["document_id"]]

    # A second version is a new deposit linked to the first.
    second = deposit(
        api,
        student,
        [user_id(api, teacher)],
        b"%PDF v2 " + os.urandom(1000),
        previous_version_id=first["document_id"],
    ).json()
    assert second["document_id"] != first["document_id"]
    assert second["previous_version_id"] == first["document_id"]
    received = api.get("/api/locker/received", headers=teacher).json()["items"]
    linked = next(e for e in received if e["document_id"] == second["document_id"])
    assert linked["previous_version_id"] == first["document_id"]
    # Only one's own earlier deposit can be versioned.
    foreign = deposit(
        api,
        sign_in(api, "emma.richard"),
        [user_id(api, teacher)],
        b"x",
        previous_version_id=first["document_id"],
    )
    assert foreign.status_code == 400
    assert [e["field"] for e in foreign.json()["errors"]] == ["previous_version_id"]


def test_receipt_is_signed_and_checkable(stack: Stack, api: httpx.Client) -> None:
    student, teacher = sign_in(api, "lucas.martin"), sign_in(api, "prof.francais")
    receipt = deposit(api, student, [user_id(api, teacher)], b"%PDF receipt").json()
    assert receipt["signature"]

    verdict = api.post("/api/locker/receipts/verify", headers=teacher, json=receipt).json()
    assert verdict == {"genuine": True, "matches_stored": True}
    forged = {**receipt, "deposited_at": "2020-01-01T00:00:00Z"}  # "handed in on time"
    verdict = api.post("/api/locker/receipts/verify", headers=teacher, json=forged).json()
    assert verdict == {"genuine": False, "matches_stored": False}


def test_trash_restore_delete_and_automatic_purge(stack: Stack, api: httpx.Client) -> None:
    student, teacher = sign_in(api, "lucas.martin"), sign_in(api, "prof.francais")
    teacher_id = user_id(api, teacher)
    content = b"%PDF unique " + os.urandom(4096)
    blobs_before = blob_files(stack)
    docs = [
        deposit(api, student, [teacher_id], content, name=f"copie-{i}.pdf").json() for i in range(3)
    ]
    document_ids = [d["document_id"] for d in docs]
    assert len(blob_files(stack) - blobs_before) == 1  # identical content is stored once

    # Selection: trash three at once, restore one, delete one for good.
    result = api.post(
        "/api/locker/documents/trash", headers=teacher, json={"document_ids": document_ids}
    ).json()
    assert result["done"] == document_ids
    assert set(document_ids) <= set(ids(api, teacher, "trash"))
    assert not set(document_ids) & set(ids(api, teacher, "received"))
    restored = api.post(
        "/api/locker/documents/restore", headers=teacher, json={"document_ids": document_ids[:1]}
    ).json()
    assert restored["done"] == document_ids[:1]
    assert document_ids[0] in ids(api, teacher, "received")
    # Definitive delete only from the trash: the restored one is refused and stays, the
    # rest of the selection is deleted all the same.
    deleted = api.post(
        "/api/locker/documents/delete", headers=teacher, json={"document_ids": document_ids[:2]}
    ).json()
    assert (deleted["done"], deleted["refused"]) == (document_ids[1:2], document_ids[:1])
    assert document_ids[0] in ids(api, teacher, "received")
    gone = api.get(f"/api/locker/documents/{document_ids[1]}/content", headers=teacher)
    assert gone.status_code == 404
    copy = api.post(
        "/api/locker/workspace/copy-from-locker",
        headers=teacher,
        json={"document_ids": document_ids[1:2], "folder_id": None},
    )
    assert copy.status_code == 404  # deleted for good: nothing left to copy either

    # The third waits in the trash; retention (4 s here) purges it.
    def purged() -> bool:
        return document_ids[2] not in ids(api, teacher, "trash")

    assert eventually(purged, timeout=20)
    # The blob stays: the restored document (and the student's Historique) still use it.
    assert len(blob_files(stack) - blobs_before) == 1
    assert (
        api.get(f"/api/locker/documents/{document_ids[0]}/content", headers=teacher).content
        == content
    )


def test_blob_is_deleted_when_its_last_reference_is_purged(stack: Stack, api: httpx.Client) -> None:
    student, teacher = sign_in(api, "emma.richard"), sign_in(api, "prof.anglais")
    before = blob_files(stack)
    doc = deposit(api, student, [user_id(api, teacher)], b"%PDF alone " + os.urandom(2048)).json()
    (blob,) = blob_files(stack) - before
    for auth in (student, teacher):
        api.post(
            "/api/locker/documents/trash", headers=auth, json={"document_ids": [doc["document_id"]]}
        )
        api.post(
            "/api/locker/documents/delete",
            headers=auth,
            json={"document_ids": [doc["document_id"]]},
        )
    assert eventually(lambda: not blob.exists(), timeout=20)


def test_range_download_and_limits(stack: Stack, api: httpx.Client) -> None:
    student, teacher = sign_in(api, "louis.simon"), sign_in(api, "prof.svt")
    teacher_id = user_id(api, teacher)
    content = os.urandom(100_000)
    doc = deposit(api, student, [teacher_id], content, name="photo.jpg").json()
    url = f"/api/locker/documents/{doc['document_id']}/content"

    part = api.get(url, headers={**teacher, "range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.content == content[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(content)}"
    tail = api.get(url, headers={**teacher, "range": "bytes=-10"})
    assert tail.content == content[-10:]
    assert api.get(url, headers={**teacher, "range": "bytes=200000-"}).status_code == 416
    whole = api.get(url, headers=teacher)
    assert hashlib.sha256(whole.content).hexdigest() == doc["sha256"]
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert whole.headers["content-security-policy"] == "sandbox"

    # An SVG (it could run script in the ENT's origin) is kept and served as opaque bytes.
    svg = api.post(
        "/api/locker/deposits",
        headers=student,
        data={"recipients": [teacher_id]},
        files={"file": ("dessin.svg", b"<svg><script>alert(1)</script></svg>", "image/svg+xml")},
    ).json()
    served = api.get(f"/api/locker/documents/{svg['document_id']}/content", headers=teacher)
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["x-content-type-options"] == "nosniff"

    # Quota (3 MiB here): what fits is accepted, what would exceed it is refused whole.
    big = os.urandom(2 * 1024 * 1024)
    assert deposit(api, student, [teacher_id], big, name="a.bin").status_code == 201
    over = deposit(api, student, [teacher_id], os.urandom(2 * 1024 * 1024), name="b.bin")
    assert over.status_code == 413
    assert over.json()["code"] == "quota_exceeded"


def eventually(probe: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return True
        time.sleep(0.3)
    return False


def test_selection_downloads_as_one_zip(stack: Stack, api: httpx.Client) -> None:
    student, teacher = sign_in(api, "anna.simon"), sign_in(api, "prof.anglais")
    teacher_id = user_id(api, teacher)
    contents = [os.urandom(50_000), os.urandom(70_000)]
    docs = [deposit(api, student, [teacher_id], c, name="copie.pdf").json() for c in contents]

    response = api.post(
        "/api/locker/documents/download",
        headers=teacher,
        json={"document_ids": [d["document_id"] for d in docs]},
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == ["copie.pdf", "copie (2).pdf"]  # same names made unique
        assert [archive.read(n) for n in archive.namelist()] == contents
    other = api.post(
        "/api/locker/documents/download",
        headers=sign_in(api, "lucas.martin"),
        json={"document_ids": [docs[0]["document_id"]]},
    )
    assert other.status_code == 404
