"""The transfer's own answers beyond the kit's: 410 for a link or upload that no longer
serves, 460 for a tus checksum mismatch."""

from __future__ import annotations

from typing import Any

from ent_kit.problems import Problem
from litestar import Request, Response
from litestar.types import ExceptionHandlersMap

from ent_transfer.application.uploads import ChecksumMismatch
from ent_transfer.domain.model import Gone

CHECKSUM_MISMATCH = 460  # tus checksum extension


def _gone(request: Request[Any, Any, Any], exc: Gone) -> Response[Any]:
    return Problem(410, exc.reason, exc.message).to_response(request)


def _checksum(request: Request[Any, Any, Any], exc: ChecksumMismatch) -> Response[Any]:
    return Problem(CHECKSUM_MISMATCH, exc.reason, exc.message).to_response(request)


HANDLERS: ExceptionHandlersMap = {Gone: _gone, ChecksumMismatch: _checksum}
