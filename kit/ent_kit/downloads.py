"""Streamed file downloads: name (any script), length, content digest, one byte range, and
the headers that keep a user's file from running as the site."""

from __future__ import annotations

import base64
from urllib.parse import quote

from litestar.response import Stream

from ent_kit import texts
from ent_kit.blobs import Download
from ent_kit.media_types import stored_media_type
from ent_kit.problems import Problem

# What a browser must never do with a user's file: guess another type than the one
# declared, or run it with this origin's rights should it be opened in place.
UNTRUSTED_FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
}


def attachment_headers(file_name: str, size: int, sha256_hex: str) -> dict[str, str]:
    ascii_fallback = file_name.encode("ascii", "replace").decode().replace('"', "'")
    ascii_fallback = ascii_fallback.replace("?", "_")
    digest = base64.b64encode(bytes.fromhex(sha256_hex)).decode()
    return {
        # RFC 6266: plain name for old clients, UTF-8 name for everyone else.
        "Content-Disposition": (
            f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(file_name)}"
        ),
        "Content-Length": str(size),
        "Repr-Digest": f"sha-256=:{digest}:",  # RFC 9530
        "ETag": f'"{sha256_hex}"',
        "X-Content-SHA256": sha256_hex,
        **UNTRUSTED_FILE_HEADERS,
    }


def file_stream(download: Download, range_header: str | None = None) -> Stream:
    """The whole file (200), or the one byte range asked for (206). Files stored before
    their types were checked are served as `stored_media_type` decides today."""
    headers = attachment_headers(download.file_name, download.size, download.sha256)
    headers["Accept-Ranges"] = "bytes"
    media_type = stored_media_type(download.media_type)
    wanted = byte_range(range_header, download.size)
    if wanted is None:
        return Stream(download.chunks(), media_type=media_type, headers=headers)
    start, end = wanted
    headers |= {
        "Content-Range": f"bytes {start}-{end}/{download.size}",
        "Content-Length": str(end - start + 1),
    }
    return Stream(
        download.chunks(start, end - start + 1),
        media_type=media_type,
        headers=headers,
        status_code=206,
    )


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """One `bytes=a-b` range (inclusive), or None for the whole file. Several ranges are
    answered whole, which RFC 9110 allows; an unsatisfiable range is a 416."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header.removeprefix("bytes=").strip().partition("-")
    try:
        if first:
            start, end = int(first), int(last) if last else size - 1
        else:  # the last N bytes
            start, end = max(0, size - int(last)), size - 1
    except ValueError:
        return None
    if start >= size or start > end:
        raise Problem(
            416,
            "range_not_satisfiable",
            texts.RANGE_NOT_SATISFIABLE,
            headers={"Content-Range": f"bytes */{size}"},
        )
    return start, min(end, size - 1)
