"""Transfer through the gateway, each service its own process: a teacher sends a folder
with tus (the big file cut mid-request at ~60 % and resumed on another replica), anyone
with the link downloads a file with Range and everything as a zip, byte for byte; password
and download limit hold; after expiry the link answers 410 and the bytes are gone."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ent_devstack.stack import Ports, Stack
from platform_api import Headers, declare, send_all, sign_in, tus_client, upload, user_id
from tusclient.client import TusClient
from tusclient.uploader.uploader import Uploader

pytestmark = pytest.mark.e2e

MiB = 1024 * 1024
BIG = 300 * MiB
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("platform")
    platform = Stack(data_dir, Ports.free(), extra_env={"ENT_TRANSFER_EXPIRY_INTERVAL_S": "1"})
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=120.0) as client:
        yield client


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("envoi")
    files = {
        "séquence 3/lisez-moi.txt": b"Bonjour, voici les documents.\n",
        "séquence 3/annexes/schema.bin": os.urandom(3 * MiB + 11),
    }
    paths: dict[str, Path] = {}
    for name, data in files.items():
        paths[name] = root / name
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        paths[name].write_bytes(data)
    big = root / "séquence 3" / "video.bin"
    with big.open("wb") as out:
        for _ in range(BIG // (4 * MiB)):
            out.write(os.urandom(4 * MiB))
    paths["séquence 3/video.bin"] = big
    return paths


def sha256_of(path: Path, start: int = 0, length: int | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        source.seek(start)
        left = length
        while left is None or left > 0:
            chunk = source.read(4 * MiB if left is None else min(4 * MiB, left))
            if not chunk:
                break
            digest.update(chunk)
            if left is not None:
                left -= len(chunk)
    return digest.hexdigest()


def link_of(view: dict[str, Any]) -> str:
    return "/api/transfer/links/" + str(view["share_url"]).rsplit("/", 1)[-1]


def cut_patch(url: str, auth: Headers, file: Path, stop_after: int) -> None:
    """A PATCH whose connection breaks after `stop_after` bytes: the body never ends."""

    def body() -> Iterator[bytes]:
        sent = 0
        with file.open("rb") as source:
            while sent < stop_after:
                chunk = source.read(min(MiB, stop_after - sent))
                sent += len(chunk)
                yield chunk
        raise ConnectionAbortedError("cable pulled")

    headers = {
        **auth,
        **TUS,
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(file.stat().st_size),
    }
    with pytest.raises((ConnectionAbortedError, httpx.HTTPError)):
        httpx.patch(url, content=body(), headers=headers, timeout=60)


def test_a_folder_sent_cut_resumed_elsewhere_and_downloaded(
    stack: Stack, api: httpx.Client, folder: dict[str, Path]
) -> None:
    auth = sign_in(api, "prof.francais")
    created = declare(api, auth, folder, message="Pour la séquence 3")
    transfer_id = created["transfer_id"]
    gateway = tus_client(f"{stack.gateway_url}/api", transfer_id, auth)
    for path in ("séquence 3/lisez-moi.txt", "séquence 3/annexes/schema.bin"):
        upload(gateway, path, folder[path])
    # Not visible while a file is missing.
    assert (
        api.get(f"/api/transfer/transfers/{transfer_id}", headers=auth).json()["share_url"] is None
    )

    # The big one: created through the gateway, cut at ~60 % mid-request.
    big = folder["séquence 3/video.bin"]
    creation = api.post(
        f"/api/transfer/transfers/{transfer_id}/files",
        headers={
            **auth,
            **TUS,
            "Upload-Length": str(BIG),
            "Upload-Metadata": "relativePath "
            + base64.b64encode("séquence 3/video.bin".encode()).decode(),
        },
    )
    assert creation.status_code == 201, creation.text
    location = creation.headers["location"]
    gateway_url = f"{stack.gateway_url}/api/transfer/transfers/{transfer_id}/{location}"
    cut_patch(gateway_url, auth, big, int(BIG * 0.6))

    def reported() -> int:
        return int(Uploader(file_path=str(big), url=gateway_url, client=gateway).offset)

    # The service notices the broken body and records what arrived (checkpoints come
    # first, every 64 MiB): what was in flight may be lost, not more.
    eventually(lambda: reported() >= int(BIG * 0.6) - 16 * MiB)
    offset = reported()
    assert offset <= int(BIG * 0.6)

    # Resumed on another replica of the transfer service, same store and blobs.
    _, replica = stack.start_replica("transfer")
    replica_url = f"{replica}/transfer/transfers/{transfer_id}/{location}"
    elsewhere = Uploader(
        file_path=str(big),
        url=replica_url,
        client=TusClient(f"{replica}/transfer/transfers/{transfer_id}/files", headers=dict(auth)),
        chunk_size=32 * MiB,
        retries=3,  # the cut request may still hold its lock for a moment
        retry_delay=1,
    )
    assert elsewhere.offset == offset  # the replica knew nothing of it but from the store
    elsewhere.upload()

    view = api.get(f"/api/transfer/transfers/{transfer_id}", headers=auth).json()
    assert view["state"] == "ready"
    assert view["total_bytes"] == sum(f.stat().st_size for f in folder.values())
    link = link_of(view)

    # Anyone, no account: the listing, one file with Range, everything as a zip.
    with httpx.Client(base_url=stack.gateway_url, timeout=300.0) as anonymous:
        shown = anonymous.get(link)
        assert shown.status_code == 200, shown.text
        files = {f["path"]: f for f in shown.json()["files"]}
        assert set(files) == set(folder)
        video = files["séquence 3/video.bin"]["file_id"]
        start, length = 100 * MiB + 7, 5 * MiB
        ranged = anonymous.get(
            f"{link}/files/{video}", headers={"range": f"bytes={start}-{start + length - 1}"}
        )
        assert ranged.status_code == 206
        assert hashlib.sha256(ranged.content).hexdigest() == sha256_of(big, start, length)
        zipped = Path(str(big) + ".zip")
        with anonymous.stream("GET", f"{link}/zip") as answer, zipped.open("wb") as out:
            assert answer.status_code == 200
            for chunk in answer.iter_bytes():
                out.write(chunk)
        with zipfile.ZipFile(zipped) as archive:
            assert sorted(archive.namelist()) == sorted(folder)
            for name, original in folder.items():
                digest = hashlib.sha256()
                with archive.open(name) as member:
                    while chunk := member.read(4 * MiB):
                        digest.update(chunk)
                assert digest.hexdigest() == sha256_of(original), name
        zipped.unlink()

    # The sender deletes it: the link is gone, and so are the bytes.
    blobs = stack.data_dir / "transfer" / "blobs" / "transfers" / transfer_id
    assert len(list(blobs.iterdir())) == 3
    assert api.delete(f"/api/transfer/transfers/{transfer_id}", headers=auth).status_code == 204
    assert httpx.get(f"{stack.gateway_url}{link}").status_code == 410
    eventually(lambda: not blobs.exists() or not any(blobs.iterdir()))


def eventually(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.25)


def test_password_limit_and_expiry(
    stack: Stack, api: httpx.Client, folder: dict[str, Path]
) -> None:
    auth = sign_in(api, "prof.francais")
    small = {"lisez-moi.txt": folder["séquence 3/lisez-moi.txt"]}
    locked = send_all(stack, api, auth, small, password="cadenas-42", download_limit=1)
    link = link_of(locked)
    with httpx.Client(base_url=stack.gateway_url, timeout=60.0) as anonymous:
        assert anonymous.get(link).json()["needs_password"] is True
        assert anonymous.get(f"{link}/zip").status_code == 401
        wrong = anonymous.get(f"{link}/zip", headers={"x-transfer-password": "pas-le-bon"})
        assert wrong.status_code == 401
        right = anonymous.get(f"{link}/zip", headers={"x-transfer-password": "cadenas-42"})
        assert right.status_code == 200
        zipped = zipfile.ZipFile(io.BytesIO(right.content))
        assert zipped.read("lisez-moi.txt") == small["lisez-moi.txt"].read_bytes()
        again = anonymous.get(f"{link}/zip", headers={"x-transfer-password": "cadenas-42"})
        assert again.status_code == 410  # the one download allowed is used

        brief = send_all(stack, api, auth, small, expires_in_days=8 / 86400)  # 8 s
        brief_link = link_of(brief)
        assert anonymous.get(brief_link).status_code == 200
        blobs = stack.data_dir / "transfer" / "blobs" / "transfers" / brief["transfer_id"]
        assert any(blobs.iterdir())
        eventually(lambda: not blobs.exists() or not any(blobs.iterdir()))
        expired = anonymous.get(brief_link)
        unknown = anonymous.get("/api/transfer/links/" + "x" * 32)
        assert expired.status_code == unknown.status_code == 410
        assert expired.json()["code"] == unknown.json()["code"]


def test_share_the_link_in_a_message(
    stack: Stack, api: httpx.Client, folder: dict[str, Path]
) -> None:
    teacher = sign_in(api, "prof.francais")
    student = sign_in(api, "lucas.martin")
    small = {"lisez-moi.txt": folder["séquence 3/lisez-moi.txt"]}
    view = send_all(stack, api, teacher, small)
    shared = api.post(
        f"/api/transfer/transfers/{view['transfer_id']}/share",
        json={"to": [user_id(api, student)], "note": "Les documents du cours"},
        headers=teacher,
    )
    assert shared.status_code == 201, shared.text
    latest = api.get("/api/mail/latest", headers=student)
    assert latest.status_code == 200, latest.text
    assert "Transfert de fichiers" in latest.text
    message_id = shared.json()["message"]["message_id"]
    opened = api.get(f"/api/mail/messages/{message_id}", headers=student).json()
    assert view["share_url"] in str(opened)
    refused = api.post(
        f"/api/transfer/transfers/{view['transfer_id']}/share",
        json={"to": ["no-such-user"]},
        headers=teacher,
    )
    assert refused.status_code == 422, refused.text


def test_a_replica_killed_mid_upload_loses_only_the_bytes_since_its_checkpoint(
    stack: Stack, api: httpx.Client, folder: dict[str, Path]
) -> None:
    auth = sign_in(api, "prof.francais")
    big = folder["séquence 3/video.bin"]
    created = declare(api, auth, {"video.bin": big})
    transfer_id = created["transfer_id"]
    name, replica = stack.start_replica("transfer")
    files = f"{replica}/transfer/transfers/{transfer_id}/files"
    creation = httpx.post(
        files,
        headers={
            **auth,
            **TUS,
            "Upload-Length": str(BIG),
            "Upload-Metadata": "filename " + base64.b64encode(b"video.bin").decode(),
        },
    )
    assert creation.status_code == 201, creation.text
    location = creation.headers["location"]
    on_main = f"{stack.service_url('transfer')}/transfer/transfers/{transfer_id}/{location}"
    sent = threading.Event()

    def body() -> Iterator[bytes]:
        with big.open("rb") as source:
            for _ in range(150):  # 150 MiB, then the replica dies while it waits for more
                yield source.read(MiB)
        sent.set()
        time.sleep(120)
        yield b""

    def patch() -> None:
        # The replica dies under it, and the body then ends short of its Content-Length
        # (h11 says so with its own error, not httpx's): any ending is expected here.
        with contextlib.suppress(Exception):
            httpx.patch(
                f"{replica}/transfer/transfers/{transfer_id}/{location}",
                content=body(),
                headers={
                    **auth,
                    **TUS,
                    "Upload-Offset": "0",
                    "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(BIG),
                },
                timeout=180,
            )

    thread = threading.Thread(target=patch, daemon=True)
    thread.start()
    assert sent.wait(120)

    def offset() -> int:
        answer = httpx.head(on_main, headers={**auth, **TUS})
        assert answer.status_code == 200, answer.text
        return int(answer.headers["upload-offset"])

    eventually(lambda: offset() >= 128 * MiB, timeout=60)  # checkpoints every 64 MiB
    stack.stop_process(name)  # SIGKILL, mid-request
    kept = offset()
    assert 128 * MiB <= kept <= 150 * MiB

    # The main process resumes once the dead replica's lock is stale (tuspy retries).
    uploader = Uploader(
        file_path=str(big),
        url=f"{stack.gateway_url}/api/transfer/transfers/{transfer_id}/{location}",
        client=tus_client(f"{stack.gateway_url}/api", transfer_id, auth),
        chunk_size=64 * MiB,
        retries=15,
        retry_delay=4,
    )
    assert uploader.offset == kept
    uploader.upload()
    view = api.get(f"/api/transfer/transfers/{transfer_id}", headers=auth).json()
    assert view["state"] == "ready"
    link = link_of(view)
    file_id = api.get(link).json()["files"][0]["file_id"]
    digest = hashlib.sha256()
    with httpx.stream("GET", f"{stack.gateway_url}{link}/files/{file_id}", timeout=300) as got:
        for chunk in got.iter_bytes():
            digest.update(chunk)
    assert digest.hexdigest() == sha256_of(big)
