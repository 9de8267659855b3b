"""Peak RSS of the transfer process while 2 GiB go up with tus and come back down by the
link: the bytes stream through, they are never held (measured as the blob test measures:
VmHWM of the process, reset once it is warm, through /proc)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ent_devstack.stack import Ports, Stack
from platform_api import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

MiB = 1024 * 1024
SIZE = 2 * 1024 * MiB
MAX_GROWTH_MIB = 100
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    platform = Stack(tmp_path_factory.mktemp("platform"), Ports.free())
    platform.start()
    yield platform
    platform.stop()


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kib = re.search(r"^VmHWM:\s+(\d+) kB$", status, re.MULTILINE)
    assert kib, status
    return int(kib.group(1)) / 1024


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def generated(size: int, digest: hashlib._Hash) -> Iterator[bytes]:
    block = os.urandom(4 * MiB)  # one random block, varied per chunk: cheap and incompressible
    for i in range(size // len(block)):
        chunk = i.to_bytes(8, "big") + block[8:]
        digest.update(chunk)
        yield chunk


def test_2_gib_up_and_down_with_bounded_memory(stack: Stack) -> None:
    process = stack.process("transfer")
    assert process is not None
    pid = process.pid
    with httpx.Client(base_url=stack.gateway_url, timeout=600.0) as api:
        auth = sign_in(api, "prof.francais")
        # Straight to the transfer process (the one measured), once the upload exists.
        body = {"files": [{"path": "big.bin", "size": SIZE}]}
        created = api.post("/api/transfer/transfers", json=body, headers=auth)
        assert created.status_code == 201, created.text
        transfer_id = created.json()["transfer_id"]
        files = f"{stack.service_url('transfer')}/transfer/transfers/{transfer_id}/files"
        creation = httpx.post(
            files,
            headers={
                **auth,
                **TUS,
                "Upload-Length": str(SIZE),
                "Upload-Metadata": "filename YmlnLmJpbg==",
            },
        )
        assert creation.status_code == 201, creation.text
        url = f"{files.rsplit('/', 1)[0]}/{creation.headers['location']}"
        reset_peak(pid)
        baseline = peak_rss_mib(pid)

        sent = hashlib.sha256()
        patched = httpx.patch(
            url,
            content=generated(SIZE, sent),
            headers={
                **auth,
                **TUS,
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(SIZE),
            },
            timeout=600,
        )
        assert patched.status_code == 204, patched.text
        up = peak_rss_mib(pid) - baseline

        view = api.get(f"/api/transfer/transfers/{transfer_id}", headers=auth).json()
        token = view["share_url"].rsplit("/", 1)[-1]
        file_id = view["files"][0]["file_id"]
        received = hashlib.sha256()
        link = f"{stack.service_url('transfer')}/transfer/links/{token}/files/{file_id}"
        with httpx.stream("GET", link, timeout=600) as answer:
            assert answer.status_code == 200
            for chunk in answer.iter_bytes(4 * MiB):
                received.update(chunk)
        assert received.hexdigest() == sent.hexdigest()
        both = peak_rss_mib(pid) - baseline
    print(f"TRANSFER_RSS upload_growth_mib={up:.1f} upload_download_growth_mib={both:.1f}")
    assert both < MAX_GROWTH_MIB
