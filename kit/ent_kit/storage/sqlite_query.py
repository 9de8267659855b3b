"""The SQL the SQLite adapter reads documents with: filters, ranges, keyset cursors, sort.

Pure (strings and parameters in, rows to a `Page` out), so it is checked without a file.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ent_kit.storage.port import Document
from ent_kit.storage.query import (
    Direction,
    Page,
    Query,
    as_stored,
    check_field,
    decode_cursor,
    encode_cursor,
)
from ent_kit.storage.sqlite_connection import Row

_decode_document = msgspec.json.Decoder(dict[str, Any]).decode

_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def field_sql(name: str) -> str:
    return "id" if name == "id" else f"json_extract(body, '$.{name}')"


def find_sql(collection: str, query: Query) -> list[tuple[str, list[Any]]]:
    """The statements that read a page, run in turn until the page is full: one, or two
    when the first sort key descends past a cursor whose value is not NULL. Then the page
    reads an index range (`key <= value`: a plain keyset `OR` would make SQLite walk the
    index from the top on every page, 30 ms deep in 10,000 rows instead of 0.5), and the
    rows whose key is NULL, which sort last, come from a second statement."""
    order = ", ".join(f"{field_sql(n)} {d.upper()}" for n, d in query.sort_keys())
    where, params = _where(collection, query)
    statements = [(_select(where, order, query.limit + 1), params)]
    tail = _null_tail(collection, query)
    if tail is not None:
        statements.append((_select(tail[0], order, query.limit + 1), tail[1]))
    return statements


def _select(where: str, order: str, limit: int) -> str:
    return f"SELECT id, body FROM documents WHERE {where} ORDER BY {order} LIMIT {limit}"


def _null_tail(collection: str, query: Query) -> tuple[str, list[Any]] | None:
    values = decode_cursor(query)
    name, direction = query.sort_keys()[0]
    if values is None or direction != "desc" or values[0] is None or name == "id":
        return None
    clauses, params = _filters(collection, query)
    return " AND ".join([*clauses, f"{field_sql(name)} IS NULL"]), params


def delete_sql(collection: str, query: Query) -> tuple[str, list[Any]]:
    """Delete the first `query.limit` documents the query finds (a bounded batch: a
    caller clearing millions loops, and no transaction holds the writer for long)."""
    where, params = _where(collection, query)
    order = ", ".join(f"{field_sql(n)} {d.upper()}" for n, d in query.sort_keys())
    sql = (
        f"DELETE FROM documents WHERE {_collection(collection)} AND id IN"
        f" (SELECT id FROM documents WHERE {where} ORDER BY {order} LIMIT {query.limit})"
    )
    return sql, params


def _where(collection: str, query: Query) -> tuple[str, list[Any]]:
    clauses, params = _filters(collection, query)
    cursor_values = decode_cursor(query)
    if cursor_values is not None:
        clause, cursor_params = _after_cursor(query, cursor_values)
        clauses.append(clause)
        params.extend(cursor_params)
        bound = _first_key_bound(query, cursor_values[0])
        if bound is not None:
            clauses.append(bound[0])
            params.extend(bound[1])
    return " AND ".join(clauses), params


def _collection(collection: str) -> str:
    """Spelled into the SQL (a checked identifier), not bound: the partial indexes say
    `collection = '<name>'`, and SQLite matches a bound value to them only when planning
    with it; a cached statement planned for one collection's index, then run again for
    another after a schema change, was seen to answer from the first one's index."""
    return f"collection = '{check_field(collection)}'"


def _filters(collection: str, query: Query) -> tuple[list[str], list[Any]]:
    clauses: list[str] = [_collection(collection)]
    params: list[Any] = []
    for name, value in query.where.items():
        if value is None:
            clauses.append(f"{field_sql(name)} IS NULL")
        else:
            clauses.append(f"{field_sql(name)} = ?")
            params.append(as_stored(value))
    for name, bounds in query.ranges.items():
        for op, value in bounds.bounds():
            clauses.append(f"{field_sql(name)} {_OPERATORS[op]} ?")
            params.append(as_stored(value))
    return clauses, params


def _first_key_bound(query: Query, value: Any) -> tuple[str, list[Any]] | None:
    """An index range on the first sort key, implied by the keyset condition, that SQLite
    can seek with. Descending past a value, NULLs (last) are left to `_null_tail`."""
    name, direction = query.sort_keys()[0]
    field = field_sql(name)
    if value is None:
        # Ascending: everything may follow; descending: only other NULLs.
        return None if direction == "asc" else (f"{field} IS NULL", [])
    return (f"{field} >= ?", [value]) if direction == "asc" else (f"{field} <= ?", [value])


def _after_cursor(query: Query, values: list[Any]) -> tuple[str, list[Any]]:
    """Keyset condition: rows strictly after the cursor in the query's sort order.

    NULL (a missing field) sorts first ascending and last descending, and `=`/`<`/`>`
    never hold for it: `IS` compares equal prefixes, `_beyond` handles NULL explicitly.
    """
    keys = query.sort_keys()
    alternatives, params = [], []
    for i, (name, direction) in enumerate(keys):
        beyond = _beyond(field_sql(name), direction, values[i])
        if beyond is None:
            continue
        parts = [f"{field_sql(n)} IS ?" for n, _ in keys[:i]]
        alternatives.append("(" + " AND ".join([*parts, beyond[0]]) + ")")
        params.extend([*values[:i], *beyond[1]])
    return "(" + (" OR ".join(alternatives) or "0") + ")", params


def _beyond(field: str, direction: Direction, value: Any) -> tuple[str, list[Any]] | None:
    if direction == "asc":
        return (f"{field} IS NOT NULL", []) if value is None else (f"{field} > ?", [value])
    if value is None:
        return None  # nothing sorts after NULL when descending
    return f"({field} < ? OR {field} IS NULL)", [value]


def page(query: Query, rows: list[Row]) -> Page:
    items = [document(row) for row in rows[: query.limit]]
    more = len(rows) > query.limit
    return Page(items, encode_cursor(query, items[-1]) if more else None)


def document(row: Row) -> Document:
    doc = _decode_document(row[1])
    doc["id"] = row[0]
    return doc
