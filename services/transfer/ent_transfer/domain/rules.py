"""What a transfer may hold: file paths, sizes, expiry, message, quota. Pure, no I/O."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ent_kit.errors import Refused, TooLarge, Unprocessable

from ent_transfer import texts

MAX_PATH = 1024  # characters of a whole relative path
MAX_SEGMENT = 255  # characters of one of its names
MAX_MESSAGE = 5000
MIN_PASSWORD = 6
MB = 1024 * 1024

# Control (Cc), format (Cf: bidi overrides, BOM...) and line or paragraph separators (Zl, Zp)
# make a name show as something else; ZWNJ and ZWJ are format characters scripts need.
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
_JOINERS = {"\u200c", "\u200d"}


@dataclass(frozen=True, kw_only=True)
class TransferLimits:
    """The operator's limits (settings), passed to the rules as one value."""

    max_bytes: int
    max_days: float
    max_files: int
    max_active: int


def _forbidden(c: str) -> bool:
    return c == "\\" or (unicodedata.category(c) in _FORBIDDEN_CATEGORIES and c not in _JOINERS)


def checked_path(path: str, field: str = "files") -> str:
    """A file's path relative to what was sent: `a.pdf` or `folder/sub/a.pdf`, NFC. Refused:
    empty, absolute, a `.`/`..`/empty segment, a backslash, control or invisible format
    characters, too long."""
    path = unicodedata.normalize("NFC", path)
    if not path.strip():
        raise Refused(field, "invalid_path", texts.PATH_EMPTY)
    if len(path) > MAX_PATH:
        raise Refused(field, "invalid_path", texts.PATH_TOO_LONG.format(max=MAX_PATH))
    segments = path.split("/")
    if any(_forbidden(c) for c in path) or any(
        s.strip() in {"", ".", ".."} or s != s.strip() or len(s) > MAX_SEGMENT for s in segments
    ):
        raise Refused(field, "invalid_path", texts.PATH_FORBIDDEN)
    return path


def checked_paths(paths: list[str], limits: TransferLimits) -> list[str]:
    """Every path checked, at least one, at most `max_files`, no two alike (ignoring case,
    as the zip will be unpacked on Windows and macOS)."""
    if not paths:
        raise Refused("files", "no_files", texts.NO_FILES)
    if len(paths) > limits.max_files:
        raise Refused("files", "too_many_files", texts.TOO_MANY_FILES.format(max=limits.max_files))
    checked = [checked_path(p) for p in paths]
    seen: set[str] = set()
    for path in checked:
        if path.casefold() in seen:
            raise Refused("files", "duplicate_path", texts.PATH_DUPLICATE.format(path=path))
        seen.add(path.casefold())
    return checked


def checked_total(sizes: list[int], limits: TransferLimits) -> int:
    """The transfer's size: not empty, at most `max_bytes`."""
    if any(size < 0 for size in sizes):
        raise Refused("files", "invalid_size", texts.EMPTY_TRANSFER)
    total = sum(sizes)
    if total == 0:
        raise Refused("files", "empty_transfer", texts.EMPTY_TRANSFER)
    if total > limits.max_bytes:
        raise TooLarge(
            "files",
            "transfer_too_large",
            texts.TOO_LARGE.format(max_mb=limits.max_bytes // MB),
            max_bytes=limits.max_bytes,
        )
    return total


def checked_expiry_days(days: float | None, limits: TransferLimits) -> float:
    """How long the link lives: the longest allowed unless said, never longer."""
    if days is None:
        return limits.max_days
    if not 0 < days <= limits.max_days:
        raise Refused(
            "expires_in_days", "invalid_expiry", texts.EXPIRY_RANGE.format(max=limits.max_days)
        )
    return days


def checked_message(message: str) -> str:
    message = message.strip()
    if len(message) > MAX_MESSAGE:
        raise Refused("message", "message_too_long", texts.MESSAGE_TOO_LONG.format(max=MAX_MESSAGE))
    return message


def checked_password(password: str | None) -> str | None:
    """None or empty: no password."""
    if not password:
        return None
    if len(password) < MIN_PASSWORD:
        raise Refused(
            "password", "password_too_short", texts.PASSWORD_TOO_SHORT.format(min=MIN_PASSWORD)
        )
    return password


def check_active_quota(active: int, limits: TransferLimits) -> None:
    """A sender keeps at most `max_active` transfers alive (uploading or downloadable)."""
    if active >= limits.max_active:
        raise Unprocessable(
            "", "transfer_quota_reached", texts.QUOTA_REACHED.format(max=limits.max_active)
        )
