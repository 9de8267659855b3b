"""Event store + read-model documents behind one port, SQLite and MongoDB adapters."""

from ent_kit.storage.factory import open_storage
from ent_kit.storage.port import (
    Check,
    ConcurrencyConflict,
    Document,
    DocumentReader,
    DocumentStore,
    DocumentWriter,
    EventStore,
    Storage,
    StoredEvent,
    clear,
    find_all,
    update_fields,
)
from ent_kit.storage.query import InvalidCursor, Lookup, Page, Query, Range

__all__ = [
    "Check",
    "ConcurrencyConflict",
    "Document",
    "DocumentReader",
    "DocumentStore",
    "DocumentWriter",
    "EventStore",
    "InvalidCursor",
    "Lookup",
    "Page",
    "Query",
    "Range",
    "Storage",
    "StoredEvent",
    "clear",
    "find_all",
    "open_storage",
    "update_fields",
]
