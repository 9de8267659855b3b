"""Streaming multipart/form-data: parts are read one at a time, file bodies chunk by chunk.

A browser's FormData keeps the order fields were appended in, so endpoints can ask for
their small fields before the file and validate them before a single byte is stored.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from ent_kit import texts
from ent_kit.blobs import IncomingFile
from ent_kit.media_types import OPAQUE, parse_media_type
from ent_kit.problems import Problem, field_error

MAX_FIELD_BYTES = 64 * 1024  # one text field
MAX_FIELDS_BYTES = 256 * 1024  # all the text fields of one form
# Parts in one form: a deposit may name its 200 recipients one per part.
MAX_PARTS = 256


class Part(msgspec.Struct, frozen=True):
    name: str
    filename: str | None
    content_type: str


class MultipartReader:
    def __init__(self, content_type: str, body: AsyncIterator[bytes]) -> None:
        media_type, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if media_type != b"multipart/form-data" or not boundary:
            raise Problem(415, "unsupported_media_type", texts.MULTIPART_EXPECTED)
        self._body = body
        self._events: deque[tuple[str, Any]] = deque()
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._parser = MultipartParser(boundary, self._callbacks())
        self._ended = False
        self._in_part = False
        self._parts = 0
        self._fields_bytes = 0

    def _callbacks(self) -> Any:
        events = self._events

        def header_field(data: bytes, start: int, end: int) -> None:
            self._header_name.extend(data[start:end])

        def header_value(data: bytes, start: int, end: int) -> None:
            self._header_value.extend(data[start:end])

        def header_end() -> None:
            name = self._header_name.decode("latin-1").lower()
            self._headers[name] = bytes(self._header_value)
            self._header_name.clear()
            self._header_value.clear()

        def headers_finished() -> None:
            events.append(("part", dict(self._headers)))
            self._headers.clear()

        return {
            "on_header_field": header_field,
            "on_header_value": header_value,
            "on_header_end": header_end,
            "on_headers_finished": headers_finished,
            "on_part_data": lambda data, start, end: events.append(("data", data[start:end])),
            "on_part_end": lambda: events.append(("end", None)),
            "on_end": lambda: events.append(("done", None)),
        }

    async def _next_event(self) -> tuple[str, Any]:
        while not self._events:
            try:
                chunk = await anext(self._body)
            except StopAsyncIteration:
                raise field_error("body", texts.MULTIPART_ENDED_EARLY) from None
            try:  # the parser also bounds each part's headers (count and size)
                self._parser.write(chunk)
            except MultipartParseError:
                raise field_error("body", texts.MULTIPART_MALFORMED) from None
        return self._events.popleft()

    async def next_part(self) -> Part | None:
        """Skip what is left of the current part; the next part's headers, or None at the end."""
        while self._in_part:
            kind, _ = await self._next_event()
            self._in_part = kind != "end"
        if self._ended:
            return None
        kind, headers = await self._next_event()
        if kind == "done":
            self._ended = True
            return None
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise too_large("too_many_parts", MAX_PARTS)
        self._in_part = True
        return _part(headers)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The current part's body, as it arrives."""
        while self._in_part:
            kind, data = await self._next_event()
            if kind == "data":
                if data:
                    yield bytes(data)
            else:
                self._in_part = False

    async def text(self, limit: int = MAX_FIELD_BYTES) -> str:
        """The current part as text: at most `limit` bytes, and MAX_FIELDS_BYTES for all the
        text fields of the form together."""
        value = bytearray()
        async for chunk in self.chunks():
            value.extend(chunk)
            self._fields_bytes += len(chunk)
            if len(value) > limit:
                raise Problem(413, "field_too_large", texts.FIELD_TOO_LARGE)
            if self._fields_bytes > MAX_FIELDS_BYTES:
                raise too_large("fields_too_large", MAX_FIELDS_BYTES)
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise field_error("body", texts.FIELDS_NOT_UTF8) from None


async def fields_then_file(
    form: MultipartReader, file_field: str = "file"
) -> tuple[dict[str, list[str]], IncomingFile]:
    """The small fields (each name may repeat), then the file, left unread so that its
    body streams straight to storage."""
    fields: dict[str, list[str]] = defaultdict(list)
    while part := await form.next_part():
        if part.filename is not None:
            if part.name != file_field:
                raise field_error(
                    part.name, texts.UNEXPECTED_FILE_FIELD.format(expected=file_field)
                )
            return fields, IncomingFile(part.filename, part.content_type, form.chunks())
        fields[part.name].append(await form.text())
    raise field_error(file_field, texts.FILE_REQUIRED)


def too_large(code: str, limit: int) -> Problem:
    """A form over one of the limits above, naming it (`limit`)."""
    title, detail = texts.FORM_LIMITS[code]
    return Problem(413, code, title, detail.format(limit=limit), limit=limit)


def _part(headers: dict[str, bytes]) -> Part:
    # Browsers send file names as raw UTF-8 bytes: parse bytes, decode at the end.
    _, options = parse_options_header(headers.get("content-disposition", b""))
    name = options.get(b"name")
    if name is None:
        raise field_error("body", texts.PART_WITHOUT_NAME)
    filename = options.get(b"filename")
    try:
        part = Part(
            name=name.decode("utf-8"),
            filename=filename.decode("utf-8") if filename is not None else None,
            content_type=headers.get("content-type", OPAQUE.encode()).decode("latin-1"),
        )
    except UnicodeDecodeError:
        raise field_error("body", texts.NAMES_NOT_UTF8) from None
    # A file's declared type may end up in a Content-Type header: a valid one, or a 400.
    if part.filename is not None and parse_media_type(part.content_type) is None:
        raise field_error(part.name, texts.INVALID_MEDIA_TYPE, "invalid_media_type")
    return part
