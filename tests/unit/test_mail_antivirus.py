"""The Messagerie's antivirus without a daemon: the embedded EICAR scanner, the choice of
scanner from a URL, and how the clamd client reads answers clamd gives rarely (an error,
silence), played by a fake clamd on a local socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from ent_mail.adapters.antivirus import (
    CLAMD_PORT,
    EICAR,
    EICAR_SIGNATURE,
    ClamdScanner,
    EicarScanner,
    ScannerUnavailable,
    open_antivirus,
)
from ent_mail.application.ports import ScanResult

INFECTED = ScanResult(infected=True, signature=EICAR_SIGNATURE)
CLEAN = ScanResult(infected=False)


async def stream(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def eicar_scan(*chunks: bytes) -> ScanResult:
    return await EicarScanner().scan(stream(*chunks))


async def test_eicar_alone_is_found() -> None:
    assert await eicar_scan(EICAR) == INFECTED


async def test_eicar_inside_a_bigger_file_is_found() -> None:
    assert await eicar_scan(b"%PDF-1.7\n" + b"x" * 100_000 + EICAR + b"y" * 5_000) == INFECTED


@pytest.mark.parametrize("at", range(1, len(EICAR)))
async def test_eicar_split_across_two_chunks_is_found(at: int) -> None:
    head, tail = b"a" * 1000 + EICAR[:at], EICAR[at:] + b"b" * 1000
    assert await eicar_scan(head, tail) == INFECTED


async def test_eicar_spread_over_one_byte_chunks_is_found() -> None:
    # Chunks shorter than the overlap: the kept tail must span several of them.
    data = b"z" * 200 + EICAR + b"z" * 200
    assert await eicar_scan(*(data[i : i + 1] for i in range(len(data)))) == INFECTED


async def test_eicar_across_three_chunks_with_empty_ones_between_is_found() -> None:
    assert await eicar_scan(b"x" + EICAR[:20], b"", EICAR[20:50], b"", EICAR[50:]) == INFECTED


async def test_clean_data_is_clean() -> None:
    assert await eicar_scan(b"Bonjour, voici le devoir.\n" * 10_000) == CLEAN


async def test_an_empty_stream_is_clean() -> None:
    assert await eicar_scan() == CLEAN
    assert await eicar_scan(b"") == CLEAN


@pytest.mark.parametrize("at", [1, 33, len(EICAR) - 1])
async def test_a_near_miss_across_chunks_is_clean(at: int) -> None:
    # One byte changed, or the string cut short: the split must not invent a match.
    altered = EICAR[:40] + b"?" + EICAR[41:]
    assert await eicar_scan(altered[:at], altered[at:]) == CLEAN
    assert await eicar_scan(EICAR[:at], EICAR[at:-1]) == CLEAN


async def test_the_scanner_stops_reading_once_it_found() -> None:
    read: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for index, chunk in enumerate([b"a", EICAR, b"b", b"c"]):
            read.append(index)
            yield chunk

    assert await EicarScanner().scan(chunks()) == INFECTED
    assert read == [0, 1]


# --- open_antivirus ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["", "eicar:", "eicar://"])
def test_eicar_urls_open_the_embedded_scanner(url: str) -> None:
    assert isinstance(open_antivirus(url), EicarScanner)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("clamd://127.0.0.1:3311", ("127.0.0.1", 3311)),
        ("clamd://clamav.antivirus.svc:3310/", ("clamav.antivirus.svc", 3310)),
        ("clamd://clamav", ("clamav", CLAMD_PORT)),
        ("clamd://[::1]:3312", ("::1", 3312)),
        ("clamd:///run/clamav/clamd.ctl", "/run/clamav/clamd.ctl"),
    ],
)
def test_clamd_urls_open_a_clamd_client(url: str, address: tuple[str, int] | str) -> None:
    scanner = open_antivirus(url, timeout=5)
    assert isinstance(scanner, ClamdScanner)
    assert scanner.address == address
    assert scanner.timeout == 5


@pytest.mark.parametrize(
    "url",
    [
        "http://clamav:3310",
        "clamav://clamav:3310",
        "eicar:whatever",
        "clamd://",
        "clamd:",
        "clamd://clamav:notaport",
        "clamd://clamav:70000",
        "clamd://clamav:3310/run/clamd.sock",
        "clamd://user:pw@clamav:3310",
        "clamd:relative/clamd.sock",
        "clamd://clamav:3310?timeout=3",
        "127.0.0.1:3310",
    ],
)
def test_a_bad_url_is_refused_by_name(url: str) -> None:
    with pytest.raises(ValueError, match="antivirus URL") as refused:
        open_antivirus(url)
    assert repr(url) in str(refused.value)


# --- clamd's rare answers, from a fake clamd ------------------------------------------------


class FakeClamd:
    """Reads the INSTREAM request whole, then answers `reply` (or nothing when None)."""

    def __init__(self, reply: bytes | None) -> None:
        self.reply = reply
        self.received = bytearray()
        self.served = asyncio.Event()

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self.serve(reader, writer)
        finally:
            writer.close()
            self.served.set()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.received += await reader.readexactly(len(b"zINSTREAM\0"))
        while length := int.from_bytes(await reader.readexactly(4), "big"):
            self.received += await reader.readexactly(length)
        if self.reply is None:
            await reader.read()  # a clamd that hangs, until the client gives up
            return
        writer.write(self.reply)
        await writer.drain()


async def scan_with(fake: FakeClamd, *chunks: bytes, timeout: float = 5) -> ScanResult:
    server = await asyncio.start_server(fake, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        return await ClamdScanner(("127.0.0.1", port), timeout=timeout, max_chunk=4).scan(
            stream(*chunks)
        )
    finally:
        server.close()
        # The client's scan is over either way: the fake must be done too, not left behind.
        await asyncio.wait_for(fake.served.wait(), 5)


async def test_clamd_pieces_arrive_whole_and_in_order() -> None:
    fake = FakeClamd(b"stream: OK\0")
    assert await scan_with(fake, b"0123456789", b"", b"abc") == CLEAN
    assert bytes(fake.received) == b"zINSTREAM\x000123456789abc"


async def test_a_found_answer_names_the_signature() -> None:
    found = await scan_with(FakeClamd(b"stream: Win.Test.EICAR_HDB-1 FOUND\0"), EICAR)
    assert found == ScanResult(infected=True, signature="Win.Test.EICAR_HDB-1")


@pytest.mark.parametrize(
    "reply",
    [b"stream: Can't allocate memory ERROR\0", b"UNKNOWN COMMAND\0", b"stream: OK"],
)
async def test_an_error_or_truncated_answer_is_unavailable_never_clean(reply: bytes) -> None:
    with pytest.raises(ScannerUnavailable, match=r"clamd at 127\.0\.0\.1:"):
        await scan_with(FakeClamd(reply), b"data")


async def test_a_silent_clamd_times_out_as_unavailable() -> None:
    with pytest.raises(ScannerUnavailable, match=r"within 0\.2 s"):
        await scan_with(FakeClamd(None), b"data", timeout=0.2)
