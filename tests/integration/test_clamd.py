"""The clamd client against a real clamd (Debian's clamav-daemon, installed by
`make system-deps`), started here on its own ports with a signature database this test
writes: no freshclam, no download, and never the distribution's own clamd service."""

from __future__ import annotations

import hashlib
import re
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ent_mail.adapters.antivirus import (
    EICAR,
    ClamdScanner,
    ScannerUnavailable,
    StreamTooLarge,
    open_antivirus,
)
from ent_mail.application.ports import ScanResult

CLAMD = Path("/usr/sbin/clamd")
EICAR_NAME = "Ent.Test.Eicar"
MARKER_NAME = "Ent.Test.Marker"
MARKER = b"ENT-TEST-MARKER-7f3c"
STREAM_MAX = 1024 * 1024  # StreamMaxLength 1M in clamd.conf
CLEAN = ScanResult(infected=False)


def found(name: str) -> ScanResult:
    # clamd appends ".UNOFFICIAL" to every name from an unsigned database, such as ours.
    return ScanResult(infected=True, signature=f"{name}.UNOFFICIAL")


@dataclass
class Clamd:
    process: subprocess.Popen[bytes]
    port: int
    socket_path: Path
    startup_s: float

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def write_database(directory: Path) -> None:
    # .hdb: the MD5 of a whole stream; .ndb: a body pattern found anywhere in it.
    md5 = hashlib.md5(EICAR).hexdigest()
    (directory / "test.hdb").write_text(f"{md5}:{len(EICAR)}:{EICAR_NAME}\n")
    (directory / "test.ndb").write_text(f"{MARKER_NAME}:0:*:{MARKER.hex()}\n")


def write_conf(directory: Path, port: int) -> Path:
    conf = directory / "clamd.conf"
    # No `User`: clamd then keeps the caller's identity (root in CI containers included).
    conf.write_text(
        "Foreground yes\n"
        f"TCPSocket {port}\n"
        "TCPAddr 127.0.0.1\n"
        f"LocalSocket {directory / 'clamd.sock'}\n"
        f"DatabaseDirectory {directory}\n"
        f"LogFile {directory / 'clamd.log'}\n"
        "StreamMaxLength 1M\n"
    )
    return conf


def ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"zPING\0")
            return connection.recv(16) == b"PONG\0"
    except OSError:
        return False


def start_clamd(directory: Path, timeout: float = 60) -> Clamd:
    if not CLAMD.exists():
        pytest.fail(f"{CLAMD} missing: `make system-deps` installs clamav-daemon")
    directory.mkdir(parents=True, exist_ok=True)
    write_database(directory)
    port = free_port()
    conf = write_conf(directory, port)
    started = time.monotonic()
    with (directory / "clamd.out").open("wb") as output:
        process = subprocess.Popen(
            [str(CLAMD), "--config-file", str(conf)], stdout=output, stderr=output
        )
    while not ping(port):
        if process.poll() is not None or time.monotonic() - started > timeout:
            process.kill()
            log = (directory / "clamd.out").read_text(errors="replace")[-2000:]
            pytest.fail(f"clamd did not answer PING within {timeout} s:\n{log}")
        time.sleep(0.02)
    return Clamd(process, port, directory / "clamd.sock", time.monotonic() - started)


@pytest.fixture(scope="module")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clamd]:
    daemon = start_clamd(tmp_path_factory.mktemp("clamd"))
    print(f"clamd answered PING {daemon.startup_s:.3f} s after it was started")
    yield daemon
    daemon.stop()


async def stream(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def tcp(daemon: Clamd) -> ClamdScanner:
    scanner = open_antivirus(f"clamd://127.0.0.1:{daemon.port}", timeout=10)
    assert isinstance(scanner, ClamdScanner)
    return scanner


def unix(daemon: Clamd) -> ClamdScanner:
    scanner = open_antivirus(f"clamd://{daemon.socket_path}", timeout=10)
    assert isinstance(scanner, ClamdScanner)
    return scanner


async def test_a_clean_stream_is_clean(clamd: Clamd) -> None:
    assert await tcp(clamd).scan(stream(b"Bonjour, voici le devoir de maths.\n")) == CLEAN


async def test_eicar_is_found_by_its_hash_signature(clamd: Clamd) -> None:
    assert await tcp(clamd).scan(stream(EICAR)) == found(EICAR_NAME)


async def test_the_unix_socket_gives_the_same_verdicts(clamd: Clamd) -> None:
    assert await unix(clamd).scan(stream(b"clean")) == CLEAN
    assert await unix(clamd).scan(stream(EICAR[:30], EICAR[30:])) == found(EICAR_NAME)


async def test_a_marker_deep_in_a_stream_of_many_chunks_is_found(clamd: Clamd) -> None:
    # 300 kB in 100 kB chunks, each sent as 64 KiB pieces; the marker straddles two chunks.
    body = b"x" * 299_990 + MARKER + b"y" * 1000
    chunks = [body[start : start + 100_000] for start in range(0, len(body), 100_000)]
    assert await tcp(clamd).scan(stream(*chunks)) == found(MARKER_NAME)


async def test_a_large_clean_stream_just_under_the_limit_is_clean(clamd: Clamd) -> None:
    assert await tcp(clamd).scan(stream(b"a" * (STREAM_MAX - 1))) == CLEAN


async def test_a_stream_over_stream_max_length_is_refused(clamd: Clamd) -> None:
    with pytest.raises(StreamTooLarge, match="size limit exceeded"):
        await tcp(clamd).scan(stream(*[b"a" * 100_000] * 20))  # 2 MB


async def test_after_a_refusal_clamd_still_scans(clamd: Clamd) -> None:
    with pytest.raises(StreamTooLarge):
        await unix(clamd).scan(stream(b"b" * 2 * STREAM_MAX))
    assert await tcp(clamd).scan(stream(MARKER)) == found(MARKER_NAME)


async def test_a_stopped_clamd_is_unavailable_never_clean(tmp_path: Path) -> None:
    daemon = start_clamd(tmp_path / "stopped")
    assert await tcp(daemon).scan(stream(b"clean")) == CLEAN  # it did work
    daemon.stop()
    with pytest.raises(ScannerUnavailable, match=re.escape(f"127.0.0.1:{daemon.port}")):
        await tcp(daemon).scan(stream(b"clean"))
    with pytest.raises(ScannerUnavailable, match="unix:"):
        await unix(daemon).scan(stream(b"clean"))
