"""Suite `transfer`: one 2 GiB file sent with tus through the gateway of the whole platform
and downloaded by its share link, beside a raw copy of the same bytes and the reference tus
server, all in one run on the same file (sizes: `transfer_sizes`).

- transfer.upload_2g.mb_per_s: the file sent by a teacher with `tuspy` (TUS_CHUNK bytes a
  PATCH) through the gateway to the transfer service, which writes it to its blob store:
  from the tus creation to the last PATCH answered (the transfer then complete).
- transfer.download_2g.mb_per_s: the same file downloaded through the gateway by its share
  link, without an account, the body read and counted.
- transfer.upload_ratio_to_raw: ours ÷ the file streamed over a loopback socket into a new
  file with fsync (`transfer_peers.raw_copy`); goal ≥ 0.8.
- transfer.upload_ratio_to_tusd_node: ours ÷ `@tus/server` with its file store, driven by
  the same client and chunk size; goal ≥ 1.0.
- transfer.peak_rss_mb: the transfer service process's peak resident memory (VmHWM) after
  the upload and the download, startup included; transfer.rss_growth_mb: that peak less
  its resident memory before them. The service streams: what the file adds stays far below
  the file (goal < 100 MB in all).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

import httpx
from ent_devstack.stack import Ports, Stack, free_port
from tusclient.client import TusClient
from tusclient.uploader.uploader import Uploader

from bench.report import compared, figure
from bench.transfer_peers import TusNode, raw_copy
from bench.transfer_sizes import COPY_CHUNK, FILE_BYTES, TUS_CHUNK

MB = 10**6
SENDER = "prof.francais"  # a teacher of the demo school


def write_source(path: Path) -> None:
    with path.open("wb") as out:
        for _ in range(FILE_BYTES // (4 * 2**20)):
            out.write(os.urandom(4 * 2**20))


def tus_upload(client: TusClient, source: Path) -> float:
    """Seconds to send `source` with tus (creation, then PATCHes of TUS_CHUNK bytes)."""
    started = time.perf_counter()
    uploader = Uploader(
        file_path=str(source),
        client=client,
        chunk_size=TUS_CHUNK,
        metadata={"filename": source.name, "relativePath": source.name},
    )
    uploader.upload()
    return time.perf_counter() - started


def memory_mb(pid: int, field: str) -> float:
    """`VmRSS` (resident now) or `VmHWM` (the peak so far) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def sign_in(api: httpx.Client) -> dict[str, str]:
    answer = api.post("/api/auth/dev-login", json={"login": SENDER})
    answer.raise_for_status()
    return {"authorization": f"Bearer {answer.json()['access_token']}"}


def ours(stack: Stack, source: Path) -> tuple[float, float, float, float]:
    """Upload and download seconds through the gateway, the service's resident memory
    before them and its peak after them (MB)."""
    process = stack.process("transfer")
    assert process is not None
    before_mb = memory_mb(process.pid, "VmRSS")
    with httpx.Client(base_url=stack.gateway_url, timeout=600.0) as api:
        auth = sign_in(api)
        declared = api.post(
            "/api/transfer/transfers",
            json={"files": [{"path": source.name, "size": FILE_BYTES}]},
            headers=auth,
        )
        declared.raise_for_status()
        transfer_id = declared.json()["transfer_id"]
        files = f"{stack.gateway_url}/api/transfer/transfers/{transfer_id}/files"
        upload_s = tus_upload(TusClient(files, headers=auth), source)
        view = api.get(f"/api/transfer/transfers/{transfer_id}", headers=auth).json()
        assert view["state"] == "ready", view
        token = str(view["share_url"]).rsplit("/", 1)[-1]
        link = api.get(f"/api/transfer/links/{token}").json()
        (file,) = link["files"]
        started = time.perf_counter()
        received = 0
        with api.stream("GET", f"/api/transfer/links/{token}/files/{file['file_id']}") as body:
            body.raise_for_status()
            for chunk in body.iter_raw(COPY_CHUNK):
                received += len(chunk)
        download_s = time.perf_counter() - started
        assert received == FILE_BYTES, received
    return upload_s, download_s, before_mb, memory_mb(process.pid, "VmHWM")


def peer(workdir: Path, source: Path) -> float:
    (workdir / "tus-node").mkdir()
    node = TusNode(free_port(), workdir / "tus-node")
    try:
        return tus_upload(TusClient(node.url), source)
    finally:
        node.stop()


def measure(workdir: Path) -> None:
    source = workdir / "video.bin"
    write_source(source)
    raw_s = raw_copy(source, workdir / "raw-copy.bin")
    (workdir / "raw-copy.bin").unlink()
    stack = Stack(workdir / "platform", Ports.free(), say=lambda _: None)
    stack.start(180.0)
    try:
        upload_s, download_s, before_mb, peak_mb = ours(stack, source)
    finally:
        stack.stop()
    node_s = peer(workdir, source)
    upload = FILE_BYTES / MB / upload_s
    figure("transfer.raw_copy.mb_per_s", FILE_BYTES / MB / raw_s, "MB/s")
    figure("transfer.tusd_node.upload_mb_per_s", FILE_BYTES / MB / node_s, "MB/s")
    figure("transfer.upload_2g.mb_per_s", upload, "MB/s")
    compared("transfer.upload_ratio_to_raw", upload, "MB/s", FILE_BYTES / MB / raw_s, 0.8)
    compared("transfer.upload_ratio_to_tusd_node", upload, "MB/s", FILE_BYTES / MB / node_s, 1.0)
    figure("transfer.download_2g.mb_per_s", FILE_BYTES / MB / download_s, "MB/s")
    figure("transfer.peak_rss_mb", peak_mb, "MB")
    figure("transfer.rss_growth_mb", peak_mb - before_mb, "MB")


async def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-transfer-") as tmp:
        await asyncio.to_thread(measure, Path(tmp))
