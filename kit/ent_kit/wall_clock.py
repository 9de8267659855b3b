"""Dates and times on a school's wall clock: no offset, as lessons, due dates and absences
are kept. Plain `datetime`/`time` fields would be documented as RFC 3339 `date-time`
(which requires an offset) and, by Litestar, `time` as a `duration`: these types say what
the API really reads and answers, so that clients and the fuzzer read the same contract."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

import msgspec
from litestar.openapi.spec import OpenAPIType
from litestar.params import KwargDefinition

DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"
TIME_PATTERN = r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"


def _documented(pattern: str, description: str, *, nullable: bool) -> KwargDefinition:
    kind = [OpenAPIType.STRING, OpenAPIType.NULL] if nullable else OpenAPIType.STRING
    extra = {"one_of": None, "type": kind, "format": None, "pattern": pattern}
    return KwargDefinition(schema_extra={**extra, "description": description})


_AT = "the school's wall-clock date and time, without offset (2026-11-26T08:30:00)"
_TIME = "the school's wall-clock time of day, without offset (08:30:00)"
_NAIVE = msgspec.Meta(tz=False)

_Naive = Annotated[datetime, _NAIVE]
_NaiveTime = Annotated[time, _NAIVE]
WallClock = Annotated[_Naive, _documented(DATETIME_PATTERN, _AT, nullable=False)]
OptionalWallClock = Annotated[_Naive | None, _documented(DATETIME_PATTERN, _AT, nullable=True)]
WallClockTime = Annotated[_NaiveTime, _documented(TIME_PATTERN, _TIME, nullable=False)]
OptionalWallClockTime = Annotated[
    _NaiveTime | None, _documented(TIME_PATTERN, _TIME, nullable=True)
]
