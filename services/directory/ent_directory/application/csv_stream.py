"""A school's CSV file as it arrives over HTTP: a stream of bytes, decoded line by line
within a size limit, before the rows are parsed (`domain.import_rows.parse_csv`)."""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterator

from ent_kit.errors import TooLarge

from ent_directory import texts
from ent_directory.domain.import_rows import ImportFileError

MAX_IMPORT_BYTES = 50 * 1024 * 1024
_LINE_END = re.compile(r"\r\n|\r(?!\Z)|\n")


class ImportTooLarge(TooLarge):
    def __init__(self, max_bytes: int) -> None:
        message = texts.FILE_TOO_LARGE_DETAIL.format(max=max_bytes)
        super().__init__("file", "too_large", message, max_bytes=max_bytes)


async def decode_lines(
    chunks: AsyncIterator[bytes], max_bytes: int = MAX_IMPORT_BYTES
) -> list[str]:
    """A streamed UTF-8 body (BOM accepted) decoded line by line, line ends kept as
    `csv` expects them. Raises ImportTooLarge past `max_bytes`, ImportFileError if not
    UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines: list[str] = []
    tail = ""
    size = 0
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise ImportTooLarge(max_bytes)
            tail = _split_lines(tail + decoder.decode(chunk), lines)
        tail += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportFileError(texts.FILE_NOT_UTF8.format(line=len(lines) + 1)) from None
    if tail:
        lines.append(tail)
    return lines


def _split_lines(text: str, into: list[str]) -> str:
    """Append the complete lines of `text` (ends kept) and return the unfinished rest; a
    final `\\r` waits for the next chunk, which may start with `\\n`."""
    start = 0
    for end in _LINE_END.finditer(text):
        into.append(text[start : end.end()])
        start = end.end()
    return text[start:]
