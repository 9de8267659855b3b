"""Zip archives of several stored files, built while they stream, names made unique."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from stream_zip import Method


class ZipMember(NamedTuple):
    name: str
    modified_at: datetime
    size: int
    chunks: AsyncIterator[bytes]


def streamed_zip(members: AsyncIterable[ZipMember]) -> AsyncIterator[bytes]:
    """The archive's bytes as the members are read, one after the other."""
    # Imported here: stream_zip loads pycryptodome and cffi (3 MB resident) for the zip
    # encryption we never use, in every process that may never build a zip.
    from stream_zip import ZIP_AUTO, async_stream_zip

    async def entries() -> AsyncIterator[tuple[str, datetime, int, Method, AsyncIterator[bytes]]]:
        async for m in members:
            # What schools store most (PDFs, photos) is compressed already: favour speed.
            yield m.name, m.modified_at, 0o600, ZIP_AUTO(m.size, level=1), m.chunks

    return aiter(async_stream_zip(entries()))


def unique_names(names: list[str]) -> list[str]:
    """The names as they go in a zip: a name already taken, by an earlier file or by a name
    made here, gets the first free " (n)" before its extension. Compared case-insensitively,
    as Windows and macOS unzip them (`a.pdf`, `a (2).pdf`, `A.pdf` gives `a (3).pdf`)."""
    taken: set[str] = set()
    unique: list[str] = []
    for name in names:
        stem, dot, ext = name.rpartition(".")
        if not stem:  # no extension (`notes`) or only a leading dot (`.notes`)
            stem, dot, ext = name, "", ""
        candidate, n = name, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{stem} ({n}){dot}{ext}"
        taken.add(candidate.casefold())
        unique.append(candidate)
    return unique
