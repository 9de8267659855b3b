"""uvicorn's access log line keeps the method, path and status, never the query string:
searches carry children's names (`/api/mail/search?q=...`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from ent_kit.logging import setup_logging


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def access_lines() -> Iterator[list[str]]:
    root = logging.getLogger()
    before = (root.handlers[:], root.level)
    setup_logging("mail")
    kept = Kept()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(kept)
    yield kept.lines
    access.removeHandler(kept)
    root.handlers[:], level = before
    root.setLevel(level)


def test_the_access_log_leaves_the_query_string_out(access_lines: list[str]) -> None:
    access = logging.getLogger("uvicorn.access")
    line = '%s - "%s %s HTTP/%s" %d'
    access.info(line, "10.0.0.7:5123", "GET", "/mail/search?q=Dupont%20L%C3%A9a", "1.1", 200)
    access.info(line, "10.0.0.7:5123", "GET", "/mail/folders", "1.1", 200)
    setup_logging("mail")  # set up twice (tests, ops commands): still one filter
    access.info(line, "10.0.0.7:5123", "GET", "/mail/search?q=Martin", "1.1", 200)

    assert access_lines == [
        '10.0.0.7:5123 - "GET /mail/search HTTP/1.1" 200',
        '10.0.0.7:5123 - "GET /mail/folders HTTP/1.1" 200',
        '10.0.0.7:5123 - "GET /mail/search HTTP/1.1" 200',
    ]
    assert sum(type(f).__name__ == "QueryStringDropped" for f in access.filters) == 1
