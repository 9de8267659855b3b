"""A timetable CSV file as it arrives over HTTP: a stream of bytes decoded line by line
within a size limit, before its rows are parsed (`domain.timetable_rows`)."""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterator

from ent_kit.errors import Refused, TooLarge

from ent_schoollife.texts import timetable as texts

MAX_IMPORT_BYTES = 2 * 1024 * 1024  # a collège's timetable is a few hundred lines
_LINE_END = re.compile(r"\r\n|\r(?!\Z)|\n")


class ImportTooLarge(TooLarge):
    def __init__(self, max_bytes: int) -> None:
        message = texts.FILE_TOO_LARGE_DETAIL.format(max=max_bytes)
        super().__init__("file", "too_large", message, max_bytes=max_bytes)


async def decode_lines(
    chunks: AsyncIterator[bytes], max_bytes: int = MAX_IMPORT_BYTES
) -> list[str]:
    """A streamed UTF-8 body (BOM accepted) as lines, ends kept as `csv` expects them.
    ImportTooLarge past `max_bytes`; Refused (`file`) when it is not UTF-8."""
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
        message = texts.FILE_NOT_UTF8.format(line=len(lines) + 1)
        raise Refused("file", "invalid_import_file", message) from None
    if tail:
        lines.append(tail)
    return lines


def _split_lines(text: str, into: list[str]) -> str:
    """Append the complete lines of `text` and return the unfinished rest; a final `\\r`
    waits for the next chunk, which may start with `\\n`."""
    start = 0
    for end in _LINE_END.finditer(text):
        into.append(text[start : end.end()])
        start = end.end()
    return text[start:]
