"""RFC 9457 problem+json for every error, with a stable machine `code`.

Validation errors list each offending field, so a client can put the message next to it.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from ent_kit.logging import get_logger

MEDIA_TYPE = "application/problem+json"
log = get_logger("ent.http")

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    503: "unavailable",
}


class Problem(ProblemDetailsException):
    """Raise from handlers: `Problem(404, "document_not_found", "Document introuvable")`."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str = "",
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(
            status_code=status,
            headers=headers,
            title=title,
            detail=detail or title,
            type_=f"urn:ent:problem:{code}",
            extra={"code": code, **extra},
        )


def field_error(field: str, message: str) -> Problem:
    return Problem(
        400,
        "validation_failed",
        "Invalid input",
        f"{field}: {message}",
        errors=[{"field": field, "message": message}],
    )


_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")


def _field_error(error: dict[str, Any]) -> dict[str, str]:
    """Litestar reports a missing body field under the parameter name (`data`): name the
    field itself, as a client needs it."""
    message = str(error.get("message", ""))
    field = str(error.get("key") or error.get("source") or "body")
    missing = _MISSING_FIELD.search(message)
    if missing and field == "data":
        field = missing.group(1)
    elif missing:
        field = f"{field}.{missing.group(1)}"
    return {"field": field, "message": message}


def _from_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ProblemDetailsException):
        return exc.to_response(request)
    if isinstance(exc, ValidationException):
        errors = [
            _field_error(e)
            for e in (exc.extra if isinstance(exc.extra, list) else [])
            if isinstance(e, dict)
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or exc.detail
        return Problem(
            400, "validation_failed", "Invalid input", detail, errors=errors
        ).to_response(request)
    code = _CODES.get(exc.status_code, "error")
    problem = Problem(exc.status_code, code, exc.detail or code, headers=exc.headers)
    return problem.to_response(request)


def _from_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error", path=request.url.path)
    return Problem(HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "Internal error").to_response(
        request
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    HTTPException: _from_http_exception,
    Exception: _from_unexpected,
}
