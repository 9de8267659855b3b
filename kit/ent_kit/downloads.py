"""Headers for streamed file downloads: name (any script), length, and content digest."""

from __future__ import annotations

import base64
from urllib.parse import quote


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
    }
