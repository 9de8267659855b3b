"""Why a command or a query says no, in domain terms. Pure: no HTTP here.

Domains and application layers raise these; the HTTP kit turns each kind into one
problem+json answer (`ent_kit.problems`), so no service maps errors by hand. `field` names
the input at fault, `reason` is a stable machine code, `message` is shown to people.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(self, field: str, reason: str, message: str, **details: Any) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = reason
        self.message = message
        self.details = details  # extra members of the answer (e.g. the limit that was hit)


class Refused(DomainError):
    """A rule forbids this input (400, `validation_failed`, the field named)."""


class NotFound(DomainError):
    """No such thing for this caller. Unknown and not yours answer alike, so that ids
    cannot be probed (404, code `reason`)."""


class Unauthenticated(DomainError):
    """The caller could not be identified, e.g. a failed sign-in (401, code `reason`)."""


class Forbidden(DomainError):
    """The caller may not do this at all, whatever the input (403, code `reason`)."""


class TooLarge(DomainError):
    """A size limit or a quota is exceeded (413, code `reason`)."""


class Unprocessable(DomainError):
    """Well-formed, but nothing can be done with it as it stands, e.g. no recipient is
    allowed (422, code `reason`)."""


class Conflict(DomainError):
    """The caller acted on a state that has moved on since they read it, e.g. a stale
    autosave of a draft someone saved meanwhile (409, code `reason`)."""


class TooMany(DomainError):
    """A rate limit is reached: try again after `retry_after_s` (429, code `reason`)."""

    def __init__(self, field: str, reason: str, message: str, *, retry_after_s: int) -> None:
        super().__init__(field, reason, message, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s
