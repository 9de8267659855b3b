"""RFC 9457 problem+json for every error, with a stable machine `code`.

Validation errors list each offending field, so a client can put the message next to it.
Domain refusals (`ent_kit.errors`) are mapped here, once for every service: handlers and
application code never build HTTP answers for them.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from ent_kit import texts
from ent_kit.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    Refused,
    TooLarge,
    TooMany,
    Unauthenticated,
    Unprocessable,
)
from ent_kit.logging import get_logger
from ent_kit.peers import PeerUnavailable
from ent_kit.storage import ConcurrencyConflict, InvalidCursor

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


def field_error(field: str, message: str, reason: str = "invalid", **details: Any) -> Problem:
    listed = details.pop("errors", [])  # per item, after the one this names
    return Problem(
        400,
        "validation_failed",
        texts.INVALID_INPUT,
        f"{field}: {message}",
        errors=[{"field": field, "reason": reason, "message": message}, *listed],
        **details,
    )


_STATUS: dict[type[DomainError], int] = {
    Unauthenticated: 401,
    NotFound: 404,
    Forbidden: 403,
    TooLarge: 413,
    Unprocessable: 422,
    Conflict: 409,
    TooMany: 429,
}


def problem_for(error: DomainError) -> Problem:
    """The one answer each kind of domain refusal gets."""
    if isinstance(error, Refused):
        return field_error(error.field, error.message, error.reason, **error.details)
    # A kind not in the table (a DomainError raised as such) is a refusal the code did not
    # classify: the client's input is the likeliest cause.
    status = next((s for kind, s in _STATUS.items() if isinstance(error, kind)), 400)
    members: dict[str, Any] = dict(error.details)
    if error.field:  # named the same way a 400 names it, so clients read one shape
        error_item = {"field": error.field, "reason": error.reason, "message": error.message}
        # Errors the refusal lists itself (e.g. per item) follow the one it names.
        members["errors"] = [error_item, *members.get("errors", [])]
        members["field"] = error.field
    headers = {"retry-after": str(error.retry_after_s)} if isinstance(error, TooMany) else None
    return Problem(status, error.reason, error.message, headers=headers, **members)


def problem_document(error: DomainError) -> dict[str, Any]:
    """The body `error` gets as an HTTP answer (its status included), for an answer that
    carries several outcomes (one part of a composed read refused, the others not)."""
    problem = problem_for(error)
    extra = problem.extra if isinstance(problem.extra, dict) else {}
    return {
        "status": problem.status_code,
        "type": problem.type_,
        "title": problem.title,
        "detail": problem.detail,
        **extra,
    }


_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")
_BODY = "data"  # the name Litestar gives the request body


def _field_error(error: dict[str, Any]) -> dict[str, str]:
    """Litestar reports body errors under the parameter name (`data`): name the field
    itself, or the body as a whole, as a client needs it."""
    message = str(error.get("message", ""))
    field = str(error.get("key") or error.get("source") or "body")
    missing = _MISSING_FIELD.search(message)
    if field == _BODY and message == repr(_BODY):  # no body at all
        return {"field": "body", "reason": "missing", "message": texts.BODY_REQUIRED}
    if missing:
        field = missing.group(1) if field == _BODY else f"{field}.{missing.group(1)}"
        return {"field": field, "reason": "missing", "message": message}
    return {"field": "body" if field == _BODY else field, "reason": "invalid", "message": message}


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
            400, "validation_failed", texts.INVALID_INPUT, detail, errors=errors
        ).to_response(request)
    if isinstance(exc, RequestEntityTooLarge):  # over the route's request_max_body_size
        limit = request.route_handler.resolve_request_max_body_size()
        detail = texts.BODY_TOO_LARGE_DETAIL.format(limit=limit)
        problem = Problem(413, "body_too_large", texts.BODY_TOO_LARGE, detail, limit=limit)
        return problem.to_response(request)
    if exc.status_code == 400 and exc.detail.startswith("JSON is malformed"):
        return field_error("body", texts.BODY_NOT_JSON).to_response(request)
    code = _CODES.get(exc.status_code, "error")
    problem = Problem(exc.status_code, code, exc.detail or code, headers=exc.headers)
    return problem.to_response(request)


def _from_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return problem_for(exc).to_response(request)


def _from_invalid_cursor(request: Request[Any, Any, Any], exc: InvalidCursor) -> Response[Any]:
    return field_error("cursor", texts.INVALID_CURSOR).to_response(request)


def _from_conflict(request: Request[Any, Any, Any], exc: ConcurrencyConflict) -> Response[Any]:
    # The command already tried again a few times: the client may, a moment later.
    log.warning("concurrency conflict after retries", stream_id=exc.stream_id)
    return Problem(409, "conflict", texts.CONFLICT).to_response(request)


def _from_peer_unavailable(request: Request[Any, Any, Any], exc: PeerUnavailable) -> Response[Any]:
    log.warning("peer unavailable", error=str(exc))
    return Problem(503, "upstream_unavailable", texts.PEER_UNAVAILABLE).to_response(request)


def _from_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error", path=request.url.path)
    return Problem(
        HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", texts.INTERNAL_ERROR
    ).to_response(request)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    HTTPException: _from_http_exception,
    DomainError: _from_domain_error,
    InvalidCursor: _from_invalid_cursor,
    ConcurrencyConflict: _from_conflict,
    PeerUnavailable: _from_peer_unavailable,
    Exception: _from_unexpected,
}
