"""A user's file over HTTP, through the locker's Mes documents: its declared media type is
checked, active types are kept as opaque bytes, downloads carry nosniff and a sandbox CSP,
and a form over the kit's limits is a problem+json naming the limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from directory_fixtures import Client, bearer
from ent_kit import texts
from ent_kit.auth import Identity
from ent_kit.blobs import BlobInfo, Download
from ent_kit.downloads import file_stream
from ent_kit.problems import MEDIA_TYPE
from ent_kit.uploads import MAX_FIELDS_BYTES, MAX_PARTS
from locker_fixtures import locker

__all__ = ["locker"]
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

TEACHER = Identity(user_id="teacher-1", profile="teacher", school_id="school-1")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
BOUNDARY = "ent-test-boundary"
UPLOAD = "/locker/workspace/items"


def form(*parts: tuple[bytes, bytes]) -> tuple[bytes, dict[str, str]]:
    body = b""
    for headers, content in parts:
        body += f"--{BOUNDARY}\r\n".encode() + headers + b"\r\n\r\n" + content + b"\r\n"
    body += f"--{BOUNDARY}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    return body, {**bearer(TEACHER), "content-type": content_type}


def file_part(media_type: bytes, content: bytes = b"data") -> tuple[bytes, bytes]:
    disposition = b'Content-Disposition: form-data; name="file"; filename="f.bin"'
    return disposition + b"\r\nContent-Type: " + media_type, content


def field(name: str, value: bytes) -> tuple[bytes, bytes]:
    return f'Content-Disposition: form-data; name="{name}"'.encode(), value


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body: dict[str, Any] = response.json()
    return body


async def test_an_svg_is_stored_and_served_as_opaque_bytes_with_nosniff_and_sandbox(
    locker: Client,
) -> None:
    created = await locker.post(
        UPLOAD, files={"file": ("logo.svg", SVG, "image/svg+xml")}, headers=bearer(TEACHER)
    )
    assert created.status_code == 201, created.text
    item = created.json()
    path = f"{UPLOAD}/{item['item_id']}/content"
    whole = await locker.get(path, headers=bearer(TEACHER))
    part = await locker.get(path, headers={**bearer(TEACHER), "range": "bytes=0-3"})

    assert item["media_type"] == "application/octet-stream"
    for response in (whole, part):
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == "sandbox"
        assert response.headers["content-disposition"].startswith("attachment;")
    assert whole.content == SVG
    assert (part.status_code, part.content) == (206, SVG[:4])


async def test_a_passive_type_is_kept_and_still_served_with_nosniff(locker: Client) -> None:
    created = await locker.post(
        UPLOAD,
        files={"file": ("cours.pdf", b"%PDF-1.7", "application/pdf")},
        headers=bearer(TEACHER),
    )
    got = await locker.get(f"{UPLOAD}/{created.json()['item_id']}/content", headers=bearer(TEACHER))
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "sandbox"


@pytest.mark.parametrize(
    "media_type",
    [b"text/plain\nSet-Cookie: session=stolen", b"text/plain\x00", b"image"],
    ids=["line-feed", "nul", "bare-word"],
)
async def test_an_invalid_media_type_is_400_naming_the_file(
    locker: Client, media_type: bytes
) -> None:
    body, headers = form(file_part(media_type))
    response = await locker.post(UPLOAD, content=body, headers=headers)
    answer = problem(response, 400)
    assert answer["errors"] == [
        {"field": "file", "reason": "invalid_media_type", "message": texts.INVALID_MEDIA_TYPE}
    ]


async def test_a_carriage_return_in_a_part_header_is_400_not_500(locker: Client) -> None:
    body, headers = form(file_part(b"text/plain\rSet-Cookie: session=stolen"))
    response = await locker.post(UPLOAD, content=body, headers=headers)
    assert problem(response, 400)["errors"][0]["message"] == texts.MULTIPART_MALFORMED


async def test_too_many_parts_is_413_naming_the_limit(locker: Client) -> None:
    parts = [field("folder_id", b"")] * (MAX_PARTS + 1)
    body, headers = form(*parts, file_part(b"text/plain"))
    answer = problem(await locker.post(UPLOAD, content=body, headers=headers), 413)
    assert (answer["code"], answer["limit"]) == ("too_many_parts", MAX_PARTS)
    assert answer["title"] == texts.FORM_LIMITS["too_many_parts"][0]


async def test_text_fields_over_their_total_are_413_naming_the_limit(locker: Client) -> None:
    parts = [field("folder_id", b"f" * 60 * 1024)] * 5
    body, headers = form(*parts, file_part(b"text/plain"))
    answer = problem(await locker.post(UPLOAD, content=body, headers=headers), 413)
    assert (answer["code"], answer["limit"]) == ("fields_too_large", MAX_FIELDS_BYTES)


# --- the kit's download: one place for the headers, old records included -----------------


class OneBlob:
    async def put(self, key: str, chunks: Any) -> BlobInfo:  # pragma: no cover - unused
        raise NotImplementedError

    async def get(
        self, key: str, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        yield SVG


def test_a_file_stored_before_types_were_checked_is_served_as_opaque_bytes() -> None:
    download = Download("old.html", "text/html", len(SVG), "ab" * 32, "k", OneBlob())  # type: ignore[arg-type]
    response = file_stream(download)
    assert response.media_type == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
