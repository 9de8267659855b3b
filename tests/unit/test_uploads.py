"""MultipartReader: fields then the file part, streamed chunk by chunk, errors as Problems."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest
from ent_kit import texts
from ent_kit.problems import Problem
from ent_kit.uploads import MAX_FIELD_BYTES, MultipartReader, Part

BOUNDARY = "----entBoundary7MA4YWxk"
FILE_NAME = "Résumé \u2013 été 2025 (copie).pdf"


class Body:
    """An async iterator of fixed-size chunks that counts how much has been consumed."""

    def __init__(self, body: bytes, size: int = 7) -> None:
        self._body = body
        self._size = size
        self.consumed = 0

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self._body), self._size):
            chunk = self._body[start : start + self._size]
            self.consumed += len(chunk)
            yield chunk


def reader(content_type: str, body: bytes, size: int = 7) -> tuple[MultipartReader, Body]:
    source = Body(body, size)
    return MultipartReader(content_type, aiter(source)), source


def httpx_form(
    fields: dict[str, str], file_name: str, content: bytes, media_type: str
) -> tuple[str, bytes]:
    request = httpx.Request(
        "POST", "http://t/upload", data=fields, files={"file": (file_name, content, media_type)}
    )
    return request.headers["content-type"], request.read()


def hand_made(parts: list[tuple[bytes, bytes]]) -> bytes:
    """parts: (headers block, body) pairs, assembled as a browser would send them."""
    out = b""
    for headers, body in parts:
        out += f"--{BOUNDARY}\r\n".encode() + headers + b"\r\n\r\n" + body + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


async def collect(multipart: MultipartReader) -> list[bytes]:
    return [chunk async for chunk in multipart.chunks()]


async def test_fields_then_file_from_httpx_body_in_7_byte_chunks() -> None:
    content = b"%PDF-1.7\r\n--not-a-boundary\r\n" + bytes(range(256)) * 20
    content_type, body = httpx_form(
        {"title": "Devoir d'été ✓", "recipients": "s1,s2"}, FILE_NAME, content, "application/pdf"
    )
    multipart, _ = reader(content_type, body)

    assert await multipart.next_part() == Part("title", None, "application/octet-stream")
    assert await multipart.text() == "Devoir d'été ✓"
    part = await multipart.next_part()
    assert part is not None
    assert part.name == "recipients"
    assert await multipart.text() == "s1,s2"
    assert await multipart.next_part() == Part("file", FILE_NAME, "application/pdf")
    chunks = await collect(multipart)
    assert b"".join(chunks) == content
    assert max(len(c) for c in chunks) <= 7
    assert await multipart.next_part() is None
    assert await multipart.next_part() is None  # stays at the end


async def test_hand_made_body_with_utf8_file_name_and_odd_header_case() -> None:
    body = hand_made(
        [
            (b'Content-Disposition: form-data; name="note"', b"bonjour"),
            (
                b'CONTENT-DISPOSITION: form-data; name="file"; filename="'
                + FILE_NAME.encode("utf-8")
                + b'"\r\ncontent-type: text/plain; charset=utf-8',
                "Ligne 1\r\nLigne 2 é\r\n".encode(),
            ),
        ]
    )
    multipart, _ = reader(CONTENT_TYPE, body)

    assert (await multipart.next_part()) == Part("note", None, "application/octet-stream")
    assert await multipart.text() == "bonjour"
    part = await multipart.next_part()
    assert part == Part("file", FILE_NAME, "text/plain; charset=utf-8")
    assert b"".join(await collect(multipart)) == "Ligne 1\r\nLigne 2 é\r\n".encode()
    assert await multipart.next_part() is None


async def test_quoted_boundary_parameter_is_accepted() -> None:
    body = hand_made([(b'Content-Disposition: form-data; name="a"', b"1")])
    multipart, _ = reader(f'multipart/form-data; boundary="{BOUNDARY}"', body)
    assert (await multipart.next_part()) is not None
    assert await multipart.text() == "1"


async def test_empty_file_part_yields_no_chunks() -> None:
    content_type, body = httpx_form({}, "empty.txt", b"", "text/plain")
    multipart, _ = reader(content_type, body)
    assert (await multipart.next_part()) == Part("file", "empty.txt", "text/plain")
    assert await collect(multipart) == []
    assert await multipart.next_part() is None


@pytest.mark.parametrize("chunk_size", [7, 64 * 1024])
async def test_five_megabyte_file_streams_in_many_chunks_never_joined(chunk_size: int) -> None:
    content = hashlib.sha256(b"seed").digest() * (5 * 1024 * 1024 // 32)
    content_type, body = httpx_form({"title": "gros"}, "big.bin", content, "application/zip")
    multipart, source = reader(content_type, body, chunk_size)
    await multipart.next_part()
    assert await multipart.text() == "gros"
    assert (await multipart.next_part()) == Part("file", "big.bin", "application/zip")

    digest, count, largest, size = hashlib.sha256(), 0, 0, 0
    consumed_at_first_chunk = None
    async for chunk in multipart.chunks():
        if consumed_at_first_chunk is None:
            consumed_at_first_chunk = source.consumed
        assert isinstance(chunk, bytes)
        digest.update(chunk)
        count += 1
        size += len(chunk)
        largest = max(largest, len(chunk))

    assert size == len(content)
    assert digest.digest() == hashlib.sha256(content).digest()
    assert largest <= chunk_size  # the reader never joins input chunks
    assert count >= len(content) // chunk_size
    # Streaming: the first file bytes are handed out long before the body is read.
    assert consumed_at_first_chunk is not None
    assert consumed_at_first_chunk <= 1024 + chunk_size


async def test_next_part_skips_the_unread_rest_of_a_part() -> None:
    content_type, body = httpx_form({"a": "x" * 500, "b": "second"}, "f.txt", b"data", "text/plain")
    multipart, _ = reader(content_type, body)
    assert (await multipart.next_part()) is not None
    first = aiter(multipart.chunks())
    assert len(await anext(first)) <= 7  # read a little of "a", then move on

    part = await multipart.next_part()
    assert part is not None
    assert part.name == "b"
    assert await multipart.text() == "second"
    part = await multipart.next_part()
    assert part is not None
    assert part.filename == "f.txt"
    assert await multipart.next_part() is None  # file body skipped entirely


async def test_chunks_outside_a_part_yield_nothing() -> None:
    body = hand_made([(b'Content-Disposition: form-data; name="a"', b"1")])
    multipart, _ = reader(CONTENT_TYPE, body)
    assert await collect(multipart) == []
    assert (await multipart.next_part()) is not None
    assert await multipart.text() == "1"
    assert await collect(multipart) == []


async def test_field_over_the_limit_is_413() -> None:
    content_type, body = httpx_form({"big": "a" * 2000}, "f.txt", b"x", "text/plain")
    multipart, _ = reader(content_type, body, 256)
    await multipart.next_part()
    with pytest.raises(Problem) as caught:
        await multipart.text(limit=1000)
    assert caught.value.status_code == 413
    assert caught.value.extra == {"code": "field_too_large"}


async def test_default_field_limit_allows_exactly_max_field_bytes() -> None:
    body = hand_made([(b'Content-Disposition: form-data; name="a"', b"z" * MAX_FIELD_BYTES)])
    multipart, _ = reader(CONTENT_TYPE, body, 4096)
    await multipart.next_part()
    assert len(await multipart.text()) == MAX_FIELD_BYTES


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "multipart/form-data",  # no boundary
        f"multipart/mixed; boundary={BOUNDARY}",
        "",
    ],
)
def test_wrong_content_type_is_415(content_type: str) -> None:
    with pytest.raises(Problem) as caught:
        reader(content_type, b"")
    assert caught.value.status_code == 415
    assert caught.value.extra == {"code": "unsupported_media_type"}


async def test_truncated_body_is_a_validation_problem() -> None:
    body = hand_made([(b'Content-Disposition: form-data; name="file"; filename="a"', b"x" * 50)])
    multipart, _ = reader(CONTENT_TYPE, body[:-40])
    await multipart.next_part()
    with pytest.raises(Problem) as caught:
        await collect(multipart)
    assert caught.value.status_code == 400
    assert caught.value.extra["code"] == "validation_failed"  # type: ignore[index]
    assert caught.value.extra["errors"] == [  # type: ignore[index]
        {"field": "body", "reason": "invalid", "message": texts.MULTIPART_ENDED_EARLY}
    ]


async def test_body_without_any_part_ending_early_is_a_problem() -> None:
    multipart, _ = reader(CONTENT_TYPE, b"")
    with pytest.raises(Problem) as caught:
        await multipart.next_part()
    assert caught.value.status_code == 400


async def test_part_without_a_name_is_a_validation_problem() -> None:
    body = hand_made([(b'Content-Disposition: form-data; filename="a.txt"', b"x")])
    multipart, _ = reader(CONTENT_TYPE, body)
    with pytest.raises(Problem) as caught:
        await multipart.next_part()
    assert caught.value.status_code == 400
    assert caught.value.extra["errors"][0]["field"] == "body"  # type: ignore[index]


async def test_field_that_is_not_utf8_is_a_validation_problem() -> None:
    body = hand_made([(b'Content-Disposition: form-data; name="title"', b"caf\xe9 \xff")])
    multipart, _ = reader(CONTENT_TYPE, body)
    await multipart.next_part()
    with pytest.raises(Problem) as caught:
        await multipart.text()
    assert caught.value.status_code == 400


async def test_file_name_that_is_not_utf8_is_a_validation_problem() -> None:
    body = hand_made(
        [(b'Content-Disposition: form-data; name="file"; filename="r\xe9sum\xe9.pdf"', b"x")]
    )
    multipart, _ = reader(CONTENT_TYPE, body)
    with pytest.raises(Problem) as caught:
        await multipart.next_part()
    assert caught.value.status_code == 400
