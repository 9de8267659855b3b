"""The small query vocabulary read models need: equality, ranges, sort, limit, cursor."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import msgspec

Direction = Literal["asc", "desc"]
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
MAX_LIMIT = 1000
T = TypeVar("T")


class Range(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    gt: Any = None
    gte: Any = None
    lt: Any = None
    lte: Any = None

    def bounds(self) -> list[tuple[str, Any]]:
        pairs = [("gt", self.gt), ("gte", self.gte), ("lt", self.lt), ("lte", self.lte)]
        return [(op, value) for op, value in pairs if value is not None]


class Query(msgspec.Struct, frozen=True, kw_only=True):
    """Documents where every `where` field equals its value and every range holds,
    sorted by `order_by` then id, `limit` at a time, resuming after cursor `after`."""

    where: dict[str, Any] = {}
    ranges: dict[str, Range] = {}
    order_by: list[tuple[str, Direction]] = []
    limit: int = 50
    after: str | None = None

    def __post_init__(self) -> None:
        for name in [*self.where, *self.ranges, *(f for f, _ in self.order_by)]:
            check_field(name)
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")

    def sort_keys(self) -> list[tuple[str, Direction]]:
        """order_by with the id as final tie-breaker, so cursors are exact."""
        last: Direction = self.order_by[-1][1] if self.order_by else "asc"
        return [*self.order_by, ("id", last)]


class Page(msgspec.Struct, frozen=True):
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class Lookup(Generic[T]):
    """With a page, the documents of `collection` whose ids its documents hold in the field
    `by`, each decoded into `into` (a msgspec Struct of the fields the caller reads): a
    listing's senders, say, by the `sender_id` of each entry."""

    collection: str
    by: str
    into: type[T]

    def ids_in(self, documents: Iterable[dict[str, Any]]) -> list[str]:
        return sorted({i for d in documents if isinstance(i := d.get(self.by), str)})


class InvalidCursor(ValueError):
    """A cursor that this query did not produce (tampered, or from another query)."""


def check_field(name: str) -> str:
    if not _FIELD.match(name):
        raise ValueError(f"invalid field name {name!r}")
    return name


def field_value(doc: dict[str, Any], name: str) -> Any:
    value: Any = doc
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def encode_cursor(query: Query, last: dict[str, Any]) -> str:
    values = [field_value(last, name) for name, _ in query.sort_keys()]
    return base64.urlsafe_b64encode(msgspec.json.encode(values)).decode().rstrip("=")


# What `encode_cursor` writes: the sort keys' values, JSON scalars (datetimes as strings).
CursorValue = str | int | float | bool | None


def decode_cursor(query: Query) -> list[CursorValue] | None:
    """The values `after` holds; InvalidCursor when it is not what `encode_cursor` wrote
    for this query (an object or an array among them would reach the store's comparisons)."""
    if query.after is None:
        return None
    try:
        padded = query.after + "=" * (-len(query.after) % 4)
        raw = base64.urlsafe_b64decode(padded)
        values = msgspec.json.decode(raw, type=list[CursorValue])
    except (ValueError, msgspec.DecodeError):
        raise InvalidCursor("cursor is not valid") from None
    if len(values) != len(query.sort_keys()):
        raise InvalidCursor("cursor does not match this query")
    return values


def as_stored(value: Any) -> Any:
    """Values are compared as they are stored: JSON builtins (datetimes as ISO strings)."""
    return msgspec.to_builtins(value)
