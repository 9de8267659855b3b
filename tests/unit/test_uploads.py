"""MultipartReader: fields then the file part, streamed chunk by chunk, errors as Problems."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest
from ent_kit import texts
from ent_kit.blobs import IncomingFile
from ent_kit.media_types import parse_media_type, stored_media_type
from ent_kit.problems import Problem
from ent_kit.uploads import (
    MAX_FIELD_BYTES,
    MAX_FIELDS_BYTES,
    MAX_PARTS,
    MultipartReader,
    Part,
    fields_then_file,
)

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


# --- limits on the form as a whole ------------------------------------------------------


def assert_limit(problem: Problem, code: str, limit: int) -> None:
    assert problem.status_code == 413
    assert problem.extra == {"code": code, "limit": limit}
    assert problem.title == texts.FORM_LIMITS[code][0]
    assert str(limit) in problem.detail


def file_part(media_type: bytes, name: bytes = b"file") -> tuple[bytes, bytes]:
    headers = b'Content-Disposition: form-data; name="' + name + b'"; filename="a.bin"'
    return headers + b"\r\nContent-Type: " + media_type, b"data"


async def test_more_parts_than_the_limit_is_413_naming_it() -> None:
    field = (b'Content-Disposition: form-data; name="recipients"', b"u-1")
    body = hand_made([field] * (MAX_PARTS + 1) + [file_part(b"text/plain")])
    with pytest.raises(Problem) as caught:
        await fields_then_file(reader(CONTENT_TYPE, body, 4096)[0])
    assert_limit(caught.value, "too_many_parts", MAX_PARTS)


async def test_200_recipients_one_per_part_stay_under_the_part_limit() -> None:
    field = (b'Content-Disposition: form-data; name="recipients"', b"u-1")
    body = hand_made([field] * 200 + [file_part(b"text/plain")])
    fields, file = await fields_then_file(reader(CONTENT_TYPE, body, 4096)[0])
    assert len(fields["recipients"]) == 200
    assert file.media_type == "text/plain"


async def test_text_fields_over_the_total_limit_are_413_naming_it() -> None:
    each = MAX_FIELD_BYTES  # every field within its own limit
    fields = [
        (f'Content-Disposition: form-data; name="f{i}"'.encode(), b"z" * each) for i in range(5)
    ]
    body = hand_made([*fields, file_part(b"text/plain")])
    assert 5 * each > MAX_FIELDS_BYTES
    with pytest.raises(Problem) as caught:
        await fields_then_file(reader(CONTENT_TYPE, body, 4096)[0])
    assert_limit(caught.value, "fields_too_large", MAX_FIELDS_BYTES)


async def test_a_part_with_oversized_headers_is_400_not_an_error() -> None:
    headers = b'Content-Disposition: form-data; name="a"\r\nX-Padding: ' + b"p" * 8192
    source = Body(hand_made([(headers, b"1")]), 1024)
    with pytest.raises(Problem) as caught:
        await MultipartReader(CONTENT_TYPE, aiter(source)).next_part()
    assert caught.value.status_code == 400
    assert caught.value.extra["errors"][0]["message"] == texts.MULTIPART_MALFORMED  # type: ignore[index]
    assert source.consumed < 8192  # not read to the end


# --- the file's media type ---------------------------------------------------------------


@pytest.mark.parametrize(
    "media_type",
    [
        b"text/plain\nX-Injected: yes",  # a line break inside the value
        b"text/plain\x00",
        b"text/pl\xe9in",
        b"plain",
        b"text/",
        b"text/plain; charset",
        b'text/plain; charset="utf-8',
        b"text plain/x",
    ],
)
async def test_a_file_part_with_an_invalid_media_type_is_400_naming_the_file(
    media_type: bytes,
) -> None:
    body = hand_made([file_part(media_type)])
    with pytest.raises(Problem) as caught:
        await fields_then_file(reader(CONTENT_TYPE, body)[0])
    assert caught.value.status_code == 400
    assert caught.value.extra["errors"] == [  # type: ignore[index]
        {"field": "file", "reason": "invalid_media_type", "message": texts.INVALID_MEDIA_TYPE}
    ]


async def test_a_bare_carriage_return_in_a_part_header_is_400_not_an_error() -> None:
    body = hand_made([file_part(b"text/plain\rX-Injected: yes")])
    with pytest.raises(Problem) as caught:
        await fields_then_file(reader(CONTENT_TYPE, body)[0])
    assert caught.value.status_code == 400
    assert caught.value.extra["errors"][0]["message"] == texts.MULTIPART_MALFORMED  # type: ignore[index]


@pytest.mark.parametrize(
    ("declared", "stored"),
    [
        (b"application/pdf", "application/pdf"),
        (b"Text/Plain; charset=UTF-8", "text/plain; charset=UTF-8"),
        (b'text/csv; charset="utf-8"; header=present', 'text/csv; charset="utf-8"; header=present'),
        (b"image/svg+xml", "application/octet-stream"),
        (b"text/html; charset=utf-8", "application/octet-stream"),
        (b"TEXT/HTML", "application/octet-stream"),
        (b"application/xhtml+xml", "application/octet-stream"),
        (b"text/xml", "application/octet-stream"),
        (b"application/xml", "application/octet-stream"),
        (b"application/rss+xml", "application/octet-stream"),
        (b"text/javascript", "application/octet-stream"),
        (b"application/javascript", "application/octet-stream"),
        (b"application/x-javascript", "application/octet-stream"),
        (b"application/ecmascript", "application/octet-stream"),
    ],
)
async def test_a_files_media_type_is_kept_only_when_passive(declared: bytes, stored: str) -> None:
    body = hand_made([file_part(declared)])
    _, file = await fields_then_file(reader(CONTENT_TYPE, body)[0])
    assert file.media_type == stored


async def test_a_file_part_without_a_media_type_is_opaque_bytes() -> None:
    headers = b'Content-Disposition: form-data; name="file"; filename="a.bin"'
    _, file = await fields_then_file(reader(CONTENT_TYPE, hand_made([(headers, b"x")]))[0])
    assert file.media_type == "application/octet-stream"


def test_any_incoming_file_gets_its_media_type_decided_the_same_way() -> None:
    async def nothing() -> AsyncIterator[bytes]:
        yield b""

    assert IncomingFile("a.svg", "image/svg+xml", nothing()).media_type == (
        "application/octet-stream"
    )
    assert IncomingFile("a.txt", "x\r\ny", nothing()).media_type == "application/octet-stream"
    assert IncomingFile("a.pdf", "Application/PDF", nothing()).media_type == "application/pdf"


def test_media_type_grammar() -> None:
    assert parse_media_type("application/vnd.oasis.opendocument.text") is not None
    assert parse_media_type("text/plain;charset=utf-8") == "text/plain;charset=utf-8"
    assert parse_media_type("a/" + "b" * 300) is None
    assert stored_media_type("") == "application/octet-stream"
