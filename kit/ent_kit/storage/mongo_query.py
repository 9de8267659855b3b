"""How the MongoDB adapter spells a `Query`: filter, sort, keyset cursor.

Pure (a `Query` in, PyMongo arguments out), so it is checked without a server.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING

from ent_kit.storage.query import Direction, Query, as_stored, decode_cursor

Raw = dict[str, Any]


def field_path(name: str) -> str:
    return "_id" if name == "id" else name


def find_filter(query: Query) -> Raw:
    # $eq rather than a bare value: a dict value must match as data, never as operators.
    clauses: list[Raw] = [
        {field_path(name): {"$eq": as_stored(value)}} for name, value in query.where.items()
    ]
    for name, bounds in query.ranges.items():
        operators = {f"${op}": as_stored(value) for op, value in bounds.bounds()}
        if operators:
            clauses.append({field_path(name): operators})
    cursor_values = decode_cursor(query)
    if cursor_values is not None:
        clauses.append(_after_cursor(query.sort_keys(), cursor_values))
    return {"$and": clauses} if clauses else {}


def find_sort(query: Query) -> list[tuple[str, int]]:
    return [(field_path(n), ASCENDING if d == "asc" else DESCENDING) for n, d in query.sort_keys()]


def _after_cursor(keys: list[tuple[str, Direction]], values: list[Any]) -> Raw:
    """Keyset condition: documents strictly after the cursor in the query's sort order."""
    alternatives: list[Raw] = []
    for i, (name, direction) in enumerate(keys):
        beyond = _beyond(field_path(name), direction, values[i])
        if beyond is None:
            continue
        same = [{field_path(n): {"$eq": v}} for (n, _), v in zip(keys[:i], values[:i], strict=True)]
        alternatives.append({"$and": [*same, beyond]})
    # Only a forged cursor (null id, descending) leaves nothing after it.
    return {"$or": alternatives} if alternatives else {"_id": {"$in": []}}


def _beyond(path: str, direction: Direction, value: Any) -> Raw | None:
    """`path` strictly after `value`. Null (and missing) sorts lowest, as in MongoDB's
    sort, but range operators never match null: it needs its own clauses."""
    if direction == "asc":
        return {path: {"$ne": None}} if value is None else {path: {"$gt": value}}
    if value is None:
        return None  # nothing sorts after null when descending
    return {"$or": [{path: {"$lt": value}}, {path: {"$eq": None}}]}
