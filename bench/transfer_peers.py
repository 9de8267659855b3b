"""Peers of suite `transfer`, measured in the same run on the same file.

- `raw_copy`: the file read in COPY_CHUNK pieces and sent over a loopback socket to a
  thread that writes it to a new file and fsyncs it: the bytes' own journey, with no HTTP,
  no protocol and no service.
- `TusNode`: the `@tus/server` npm package with its file store (`bench/tus-node`), the
  reference tus server, on loopback; the suite drives it with the same tus client and chunk
  size as ours."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

from bench.transfer_sizes import COPY_CHUNK

TUS_NODE = Path(__file__).parent / "tus-node"


def raw_copy(source: Path, target: Path) -> float:
    """Seconds to stream `source` through a loopback socket into `target`, fsync included."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def receive() -> None:
        connection, _ = listener.accept()
        with connection, target.open("wb") as out:
            while chunk := connection.recv(COPY_CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())

    receiver = threading.Thread(target=receive)
    receiver.start()
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sender, source.open("rb") as file:
        while chunk := file.read(COPY_CHUNK):
            sender.sendall(chunk)
    receiver.join()
    elapsed = time.perf_counter() - started
    listener.close()
    return elapsed


class TusNode:
    """`node bench/tus-node/server.mjs <port> <directory>`, uploads at `/files`."""

    def __init__(self, port: int, directory: Path) -> None:
        self.url = f"http://127.0.0.1:{port}/files"
        self._process = subprocess.Popen(
            ["node", str(TUS_NODE / "server.mjs"), str(port), str(directory)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline().strip()
        if ready != "READY":
            self.stop()
            raise RuntimeError(f"@tus/server did not start: {ready!r}")

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)
