"""The Messagerie's antivirus: an embedded EICAR-only scanner by default, clamd in production.

`open_antivirus` picks one from a URL:

- `eicar:` (or `eicar://`, or empty): `EicarScanner`, no daemon; it only knows the EICAR
  test string, enough to exercise the quarantine path in development and tests.
- `clamd://host:port` (port 3310 when omitted): clamd over TCP.
- `clamd:///path/to/clamd.sock`: clamd over its unix socket.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar
from urllib.parse import SplitResult, urlsplit

from ent_mail.application.ports import Antivirus, ScannerUnavailable, ScanResult, StreamTooLarge

T = TypeVar("T")

# Written in two halves so that an antivirus guarding the developer's disk does not
# quarantine this source file.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_SIGNATURE = "Eicar-Test-Signature"

CLAMD_PORT = 3310
DEFAULT_TIMEOUT = 30.0
# Each piece is copied once, behind its length prefix: 64 KiB keeps that copy small.
MAX_CHUNK = 64 * 1024

_CLEAN = ScanResult(infected=False)
_LENGTH = struct.Struct(">I")  # clamd's chunk prefix: unsigned 32 bits, network order
_END_OF_STREAM = _LENGTH.pack(0)
_MAX_REPLY = 4096  # clamd's answers are one short line; more means something else answered


class EicarScanner:
    """Finds the EICAR test string anywhere in a stream, holding at most one chunk plus
    `len(EICAR) - 1` bytes: the longest prefix that can still complete across a boundary."""

    async def scan(self, chunks: AsyncIterator[bytes]) -> ScanResult:
        tail = b""
        async for chunk in chunks:
            if _straddles(tail, chunk) or EICAR in chunk:
                return ScanResult(infected=True, signature=EICAR_SIGNATURE)
            tail = _overlap(tail, chunk)
        return _CLEAN

    async def close(self) -> None:
        return None


def _straddles(tail: bytes, chunk: bytes) -> bool:
    # Only the chunk's first len(EICAR) - 1 bytes can complete a match begun in `tail`,
    # so a large chunk is never copied just to look across the boundary.
    return bool(tail) and EICAR in tail + chunk[: len(EICAR) - 1]


def _overlap(tail: bytes, chunk: bytes) -> bytes:
    keep = len(EICAR) - 1
    if len(chunk) >= keep:
        return chunk[len(chunk) - keep :]
    return (tail + chunk)[-keep:]


class ClamdScanner:
    """clamd's INSTREAM command, one connection per scan.

    `address` is `(host, port)` for TCP or a unix socket path. `timeout` bounds each wait
    on clamd (connecting, sending a chunk, the verdict) rather than the whole scan, so an
    attachment read slowly from storage is not cut short while clamd is fine.

    The socket is driven with the loop's `sock_*` calls rather than asyncio streams: when
    a stream exceeds StreamMaxLength, clamd answers then hangs up while we are still
    sending, and a stream transport closes the socket on the failed write, dropping that
    answer unread (one such scan in six, measured); a socket we own can still read it.
    """

    def __init__(
        self,
        address: tuple[str, int] | str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_chunk: int = MAX_CHUNK,
    ) -> None:
        if max_chunk <= 0:
            raise ValueError(f"max_chunk must be positive, got {max_chunk}")
        self.address = address
        self.timeout = timeout
        self.max_chunk = max_chunk

    def __repr__(self) -> str:
        return f"ClamdScanner({self._where()})"

    async def scan(self, chunks: AsyncIterator[bytes]) -> ScanResult:
        loop = asyncio.get_running_loop()
        with await self._bounded(self._connect(loop), "connecting") as sock:
            await self._send(loop, sock, chunks)
            reply = await self._reply(loop, sock)
        return _verdict(reply, self._where())

    async def close(self) -> None:
        # Nothing pooled: every scan opens and closes its own connection.
        return None

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> socket.socket:
        sock, target = await self._socket(loop)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, target)
        except BaseException:
            sock.close()  # cancelled by the timeout included
            raise
        return sock

    async def _socket(
        self, loop: asyncio.AbstractEventLoop
    ) -> tuple[socket.socket, str | tuple[Any, ...]]:
        if isinstance(self.address, str):
            return socket.socket(socket.AF_UNIX), self.address
        host, port = self.address
        family, kind, proto, _, target = (
            await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        )[0]
        return socket.socket(family, kind, proto), target

    async def _send(
        self, loop: asyncio.AbstractEventLoop, sock: socket.socket, chunks: AsyncIterator[bytes]
    ) -> None:
        if not await self._put(loop, sock, b"zINSTREAM\0"):
            return
        async for chunk in chunks:
            # An empty chunk yields no piece: sent as-is, its zero length would end the stream.
            for piece in _pieces(chunk, self.max_chunk):
                if not await self._put(loop, sock, _LENGTH.pack(len(piece)) + piece):
                    return
        await self._put(loop, sock, _END_OF_STREAM)

    async def _put(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, data: bytes) -> bool:
        """False when clamd hung up: its answer, still readable, then tells why."""
        try:
            await self._timed(loop.sock_sendall(sock, data), "sending")
        except ConnectionError:
            return False
        except OSError as error:
            raise self._unavailable("sending", error) from error
        return True

    async def _reply(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> str:
        received = b""
        while b"\0" not in received:
            data = await self._bounded(loop.sock_recv(sock, 4096), "awaiting the verdict")
            if not data or len(received) > _MAX_REPLY:
                raise ScannerUnavailable(
                    f"clamd at {self._where()} closed the connection without a verdict"
                )
            received += data
        return received.split(b"\0", 1)[0].decode("utf-8", "replace").strip()

    async def _bounded(self, step: Awaitable[T], doing: str) -> T:
        """`step`, a timeout or a socket failure turned into ScannerUnavailable."""
        try:
            return await self._timed(step, doing)
        except OSError as error:
            raise self._unavailable(doing, error) from error

    async def _timed(self, step: Awaitable[T], doing: str) -> T:
        try:
            return await asyncio.wait_for(step, self.timeout)
        except TimeoutError as error:
            raise ScannerUnavailable(
                f"clamd at {self._where()}: no progress {doing} within {self.timeout:g} s"
            ) from error

    def _unavailable(self, doing: str, error: OSError) -> ScannerUnavailable:
        return ScannerUnavailable(f"clamd at {self._where()}: {doing}: {error}")

    def _where(self) -> str:
        if isinstance(self.address, str):
            return f"unix:{self.address}"
        host, port = self.address
        return f"{host}:{port}"


def _pieces(chunk: bytes, size: int) -> list[memoryview]:
    # Views: splitting a large chunk does not copy it whole.
    view = memoryview(chunk)
    return [view[start : start + size] for start in range(0, len(view), size)]


def _verdict(reply: str, where: str) -> ScanResult:
    if "size limit exceeded" in reply:
        raise StreamTooLarge(f"clamd at {where} refused the stream: {reply}")
    if reply == "stream: OK":
        return _CLEAN
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        name = reply.removeprefix("stream: ").removesuffix(" FOUND")
        return ScanResult(infected=True, signature=name)
    raise ScannerUnavailable(f"clamd at {where} answered {reply!r}")


def open_antivirus(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> Antivirus:
    """The scanner `url` names (see the module docstring); ValueError naming a bad URL."""
    parts = urlsplit(url)
    if not url or (parts.scheme == "eicar" and not _has_more_than_scheme(parts)):
        return EicarScanner()
    if parts.scheme == "clamd" and not (parts.query or parts.fragment):
        return ClamdScanner(_clamd_address(url, parts), timeout=timeout)
    raise ValueError(
        f"antivirus URL {url!r}: expected 'eicar:', 'clamd://host:port' "
        "or 'clamd:///path/to/clamd.sock'"
    )


def _has_more_than_scheme(parts: SplitResult) -> bool:
    return any((parts.netloc, parts.path, parts.query, parts.fragment))


def _clamd_address(url: str, parts: SplitResult) -> tuple[str, int] | str:
    if parts.netloc and parts.path in ("", "/"):
        return _tcp_address(url, parts)
    if not parts.netloc and parts.path.startswith("/") and len(parts.path) > 1:
        return parts.path
    raise ValueError(f"antivirus URL {url!r}: give either host:port or a socket path")


def _tcp_address(url: str, parts: SplitResult) -> tuple[str, int]:
    try:
        port = parts.port
    except ValueError as error:  # urlsplit's own message does not name the URL
        raise ValueError(f"antivirus URL {url!r}: bad port") from error
    if not parts.hostname or parts.username or parts.password:
        raise ValueError(f"antivirus URL {url!r}: expected clamd://host:port")
    return parts.hostname, CLAMD_PORT if port is None else port
