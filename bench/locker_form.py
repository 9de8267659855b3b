"""A deposit's body as a browser sends it, shared by the in-process and gateway runs."""

from __future__ import annotations

BOUNDARY = "----entBenchBoundary3f9a"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def form(group_id: str, file_name: str, content: bytes) -> bytes:
    """A browser's multipart body: the recipients field first, then the file."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="recipients"\r\n\r\n'
        f"group:{group_id}:students\r\n"
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    return head.encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()
