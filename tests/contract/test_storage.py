"""Behaviour every Storage adapter must show; each test runs against SQLite and MongoDB."""

from __future__ import annotations

import asyncio
import functools
import itertools
import socket
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest
from conftest_storage import (
    StorageOpener,
    mongo_database,
    storage,
    storage_opener,
    with_database,
)
from ent_contracts import Envelope
from ent_contracts.envelope import Actor, TraceContext
from ent_kit.storage import (
    Check,
    ConcurrencyConflict,
    Document,
    DocumentReader,
    InvalidCursor,
    Query,
    Range,
    Storage,
    clear,
    find_all,
    update_fields,
)
from ent_kit.storage.mongo import MongoStorage
from ent_kit.storage.query import Direction
from ent_kit.storage.sqlite import SqliteStorage
from ent_kit.storage.sqlite_query import find_sql

# Fixtures, imported so that pytest finds them in this module.
__all__ = ["mongo_database", "storage", "storage_opener"]

PARIS = timezone(timedelta(hours=2))
TRACE = TraceContext(
    traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate="ent=1"
)


def event(stream_id: str, version: int, **payload: Any) -> Envelope:
    return Envelope(
        event_id=str(uuid.uuid4()),
        type="test.happened",
        schema_version=1,
        aggregate_id=stream_id,
        aggregate_version=version,
        # Not UTC and with microseconds: the round trip must keep both.
        occurred_at=datetime(2024, 5, 1, 10, 11, 12, 123456, tzinfo=PARIS),
        actor=Actor(kind="user", id="u-1"),
        trace=TRACE,
        payload={"n": version, "nested": {"list": [1, "two", None]}, **payload},
    )


def events(stream_id: str, first: int, count: int) -> list[Envelope]:
    return [event(stream_id, v) for v in range(first, first + count)]


# --- event store: append / read ---------------------------------------------------


async def test_append_and_read_back(storage: Storage) -> None:
    batch = events("s-1", 1, 2)

    position = await storage.events.append("s-1", 0, batch)

    stored = await storage.events.read_stream("s-1")
    assert stored == batch
    assert stored[0].occurred_at.utcoffset() == timedelta(hours=2)
    assert stored[0].trace == TRACE
    all_events = await storage.events.read_all()
    assert [e.envelope for e in all_events] == batch
    assert all_events[-1].position == position


async def test_read_stream_after_version(storage: Storage) -> None:
    first, second = events("s-1", 1, 2), events("s-1", 3, 2)
    await storage.events.append("s-1", 0, first)
    await storage.events.append("s-1", 2, second)
    await storage.events.append("other", 0, events("other", 1, 1))

    assert await storage.events.read_stream("s-1") == first + second
    assert await storage.events.read_stream("s-1", after_version=2) == second
    assert await storage.events.read_stream("s-1", after_version=3) == second[1:]
    assert await storage.events.read_stream("s-1", after_version=4) == []
    assert await storage.events.read_stream("missing") == []


async def test_wrong_expected_version_is_a_conflict(storage: Storage) -> None:
    await storage.events.append("s-1", 0, events("s-1", 1, 1))

    with pytest.raises(ConcurrencyConflict) as behind:
        await storage.events.append("s-1", 0, events("s-1", 1, 1))
    with pytest.raises(ConcurrencyConflict) as ahead:
        await storage.events.append("s-1", 3, events("s-1", 4, 1))

    assert (behind.value.stream_id, behind.value.expected, behind.value.actual) == ("s-1", 0, 1)
    assert (ahead.value.expected, ahead.value.actual) == (3, 1)
    assert len(await storage.events.read_stream("s-1")) == 1
    assert await storage.events.last_position() == 1


async def race(stores: Sequence[Storage], stream_id: str, expected: int) -> list[Envelope]:
    """Both stores append the same next version at once: exactly one may win."""
    attempts = [event(stream_id, expected + 1, writer=i) for i in range(len(stores))]
    outcomes = await asyncio.gather(
        *(s.events.append(stream_id, expected, [e]) for s, e in zip(stores, attempts, strict=True)),
        return_exceptions=True,
    )
    winners = [e for e, o in zip(attempts, outcomes, strict=True) if isinstance(o, int)]
    losers = [o for o in outcomes if not isinstance(o, int)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, ConcurrencyConflict) for o in losers), outcomes
    assert all(o.expected == expected for o in losers if isinstance(o, ConcurrencyConflict))
    return winners


async def test_concurrent_conflicting_appends(storage: Storage) -> None:
    for round_ in range(5):
        stream = f"s-{round_}"
        winners = await race([storage, storage], stream, 0)
        winners += await race([storage, storage, storage], stream, 1)
        assert await storage.events.read_stream(stream) == winners


async def test_concurrent_conflicting_appends_from_two_instances(
    storage_opener: StorageOpener,
) -> None:
    first, second = await storage_opener.open(), await storage_opener.open()
    for round_ in range(5):
        stream = f"s-{round_}"
        winners = await race([first, second], stream, 0)
        winners += await race([second, first], stream, 1)
        assert await first.events.read_stream(stream) == winners
        assert await second.events.read_stream(stream) == winners
    positions = [e.position for e in await second.events.read_all()]
    assert positions == list(range(1, 11))


async def test_concurrent_appends_to_different_streams(storage_opener: StorageOpener) -> None:
    stores = [await storage_opener.open(), await storage_opener.open()]
    batches = {f"s-{i}": events(f"s-{i}", 1, 1 + i % 3) for i in range(30)}

    positions = await asyncio.gather(
        *(stores[i % 2].events.append(s, 0, b) for i, (s, b) in enumerate(batches.items()))
    )

    assert len(set(positions)) == len(batches)
    stored = await stores[0].events.read_all()
    assert len(stored) == sum(len(b) for b in batches.values())
    assert [e.position for e in stored] == list(range(1, len(stored) + 1))
    by_id = {e.envelope.event_id: e.position for e in stored}
    for (_, batch), position in zip(batches.items(), positions, strict=True):
        # Each append's returned position is its last event's, its events contiguous.
        assert [by_id[e.event_id] for e in batch] == list(
            range(position - len(batch) + 1, position + 1)
        )


async def test_read_all_pages_in_global_order(storage: Storage) -> None:
    assert await storage.events.read_all() == []
    assert await storage.events.last_position() == 0
    appended: list[Envelope] = []
    for i in range(4):
        for stream in ("a", "b", "c"):
            batch = [event(stream, i + 1)]
            await storage.events.append(stream, i, batch)
            appended += batch

    everything = await storage.events.read_all()
    positions = [e.position for e in everything]
    assert [e.envelope for e in everything] == appended
    assert all(p < q for p, q in itertools.pairwise(positions))
    assert await storage.events.last_position() == positions[-1]
    page = await storage.events.read_all(after_position=positions[2], limit=4)
    assert page == everything[3:7]
    assert await storage.events.read_all(after_position=positions[-2], limit=4) == everything[-1:]
    assert await storage.events.read_all(after_position=positions[-1]) == []


@pytest.mark.parametrize(
    ("expected_version", "batch"),
    [
        pytest.param(0, [event("other", 1)], id="wrong-aggregate"),
        pytest.param(0, [event("s-1", 1), event("other", 2)], id="second-wrong-aggregate"),
        pytest.param(0, [event("s-1", 2)], id="does-not-follow-expected"),
        pytest.param(0, [event("s-1", 1), event("s-1", 3)], id="version-gap"),
        pytest.param(0, [event("s-1", 1), event("s-1", 1)], id="repeated-version"),
        pytest.param(0, [], id="empty"),
        pytest.param(-1, [event("s-1", 0)], id="negative-version"),
    ],
)
async def test_bad_batches_write_nothing(
    storage: Storage, expected_version: int, batch: list[Envelope]
) -> None:
    with pytest.raises(ValueError, match=r"."):
        await storage.events.append("s-1", expected_version, batch)

    assert await storage.events.read_all() == []
    assert await storage.events.read_stream("s-1") == []
    assert await storage.events.read_stream("other") == []


async def test_duplicate_event_id_is_rejected(storage: Storage) -> None:
    first = event("s-1", 1)
    await storage.events.append("s-1", 0, [first])
    replay = Envelope(**{**_fields(event("s-2", 2)), "event_id": first.event_id})

    with pytest.raises(ValueError, match=first.event_id):
        await storage.events.append("s-2", 0, [event("s-2", 1), replay])
    twice = event("s-3", 1)
    twice_again = Envelope(**{**_fields(event("s-3", 2)), "event_id": twice.event_id})
    with pytest.raises(ValueError, match=twice.event_id):
        await storage.events.append("s-3", 0, [twice, twice_again])

    # Nothing of the rejected batches was written, and the streams are still usable.
    assert [e.envelope for e in await storage.events.read_all()] == [first]
    assert await storage.events.read_stream("s-2") == []
    await storage.events.append("s-2", 0, [event("s-2", 1)])
    assert await storage.events.last_position() == 2


def _fields(envelope: Envelope) -> dict[str, Any]:
    return {name: getattr(envelope, name) for name in envelope.__struct_fields__}


# --- documents: single documents and transactions ---------------------------------


async def put(storage: Storage, collection: str, *docs: Document) -> None:
    async with storage.documents.transaction() as tx:
        for doc in docs:
            await tx.put(collection, doc["id"], doc)


async def test_put_get_replace_delete(storage: Storage) -> None:
    docs = storage.documents
    assert await docs.get("people", "p1") is None

    await put(storage, "people", {"id": "p1", "name": "Ada", "tags": ["a"], "n": {"x": 1.5}})
    await put(storage, "other", {"id": "p1", "name": "elsewhere"})
    assert await docs.get("people", "p1") == {
        "id": "p1",
        "name": "Ada",
        "tags": ["a"],
        "n": {"x": 1.5},
    }

    async with docs.transaction() as tx:
        await tx.put("people", "p1", {"id": "ignored", "age": 36})
    assert await docs.get("people", "p1") == {"id": "p1", "age": 36}

    async with docs.transaction() as tx:
        assert await tx.delete("people", "p1") is True
        assert await tx.delete("people", "p1") is False
    assert await docs.get("people", "p1") is None
    assert await docs.get("other", "p1") == {"id": "p1", "name": "elsewhere"}


async def test_update_fields_changes_those_given_and_never_brings_a_row_back(
    storage: Storage,
) -> None:
    await put(storage, "people", {"id": "p1", "name": "Ada", "team": "x"})
    async with storage.documents.transaction() as tx:
        assert await update_fields(tx, "people", "p1", team="y", age=36) is True
        assert await update_fields(tx, "people", "gone", team="y") is False
        # Within the transaction, the change is what the next read sees.
        assert await tx.get("people", "p1") == {"id": "p1", "name": "Ada", "team": "y", "age": 36}
    assert await storage.documents.get("people", "p1") == {
        "id": "p1",
        "name": "Ada",
        "team": "y",
        "age": 36,
    }
    assert await storage.documents.get("people", "gone") is None


async def test_insert_if_absent_keeps_the_first_body(storage: Storage) -> None:
    async with storage.documents.transaction() as tx:
        assert await tx.insert("marks", "m1", {"v": 1}) is True
        assert await tx.insert("marks", "m1", {"v": 2}) is False
        # A refused insert must not spoil the rest of the transaction.
        await tx.put("marks", "m2", {"v": 3})
    async with storage.documents.transaction() as tx:
        assert await tx.insert("marks", "m1", {"v": 4}) is False
        assert await tx.insert("marks", "m3", {"v": 5}) is True

    assert await storage.documents.get("marks", "m1") == {"id": "m1", "v": 1}
    assert await storage.documents.get("marks", "m2") == {"id": "m2", "v": 3}
    assert await storage.documents.get("marks", "m3") == {"id": "m3", "v": 5}


class Boom(Exception):
    pass


async def write_then_fail(storage: Storage) -> None:
    async with storage.documents.transaction() as tx:
        await tx.put("c", "new", {"v": 2})
        assert await tx.insert("c", "inserted", {"v": 2}) is True
        assert await tx.delete("c", "keep") is True
        await tx.put("c", "change", {"v": 2})
        await tx.put("elsewhere", "x", {"v": 2})
        raise Boom


async def test_failed_transaction_writes_nothing(storage: Storage) -> None:
    await put(storage, "c", {"id": "keep", "v": 1}, {"id": "change", "v": 1})

    with pytest.raises(Boom):
        await write_then_fail(storage)

    page = await storage.documents.find("c", Query())
    assert page.items == [{"id": "change", "v": 1}, {"id": "keep", "v": 1}]
    assert await storage.documents.get("elsewhere", "x") is None


async def test_transaction_reads_its_own_writes_others_do_not(storage: Storage) -> None:
    await put(storage, "c", {"id": "gone", "v": 0})

    async with storage.documents.transaction() as tx:
        await tx.put("c", "a", {"v": 1})
        await tx.delete("c", "gone")
        assert await tx.get("c", "a") == {"id": "a", "v": 1}
        assert await tx.get("c", "gone") is None
        assert (await tx.find("c", Query(where={"v": 1}))).items == [{"id": "a", "v": 1}]
        # Uncommitted: invisible outside the transaction.
        assert await storage.documents.get("c", "a") is None
        assert await storage.documents.get("c", "gone") == {"id": "gone", "v": 0}

    assert await storage.documents.get("c", "a") == {"id": "a", "v": 1}
    assert await storage.documents.get("c", "gone") is None


# --- documents: find ------------------------------------------------------------------

T0 = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)


async def test_existing_names_present_ids_in_one_call(storage: Storage) -> None:
    await put(storage, "c", *({"id": f"d{i}", "v": i} for i in range(600)))
    wanted = [f"d{i}" for i in range(0, 1200, 2)]  # half present, more than one SQL chunk

    assert await storage.documents.existing("c", wanted) == {f"d{i}" for i in range(0, 600, 2)}
    assert await storage.documents.existing("c", []) == set()
    assert await storage.documents.existing("other", ["d1"]) == set()

    many = await storage.documents.get_many("c", wanted)
    assert set(many) == {f"d{i}" for i in range(0, 600, 2)}
    assert many["d42"] == {"id": "d42", "v": 42}
    async with storage.documents.transaction() as tx:
        await tx.put("c", "d1", {"v": -1})
        await tx.delete("c", "d0")
        seen = await tx.get_many("c", ["d0", "d1", "d2"])
        assert seen == {"d1": {"id": "d1", "v": -1}, "d2": {"id": "d2", "v": 2}}


class Member(msgspec.Struct):
    """The fields a caller reads, typed; the document's others are skipped."""

    school_id: str
    member_of: frozenset[str]
    since: date
    function: str | None = None


async def test_get_many_as_decodes_straight_into_the_callers_type(storage: Storage) -> None:
    member = {"school_id": "s1", "member_of": ["4A", "4A", "club"], "since": "2025-09-01"}
    await put(
        storage,
        "people",
        {"id": "p1", **member, "display_name": "Camille Martin", "notes": {"any": [1, 2]}},
        {"id": "p2", **member, "function": "cpe"},
        {"id": "p3", "school_id": "s1"},  # lacks required fields
    )

    typed = await storage.documents.get_many_as("people", ["p1", "p2", "absent"], Member)

    assert typed == {
        "p1": Member("s1", frozenset({"4A", "club"}), date(2025, 9, 1)),
        "p2": Member("s1", frozenset({"4A", "club"}), date(2025, 9, 1), "cpe"),
    }
    assert await storage.documents.get_many_as("people", [], Member) == {}
    with pytest.raises(msgspec.ValidationError, match="member_of"):
        await storage.documents.get_many_as("people", ["p3"], Member)
    async with storage.documents.transaction() as tx:  # its own pending writes included
        await tx.put("people", "p1", {**member, "since": "2026-01-05"})
        await tx.delete("people", "p2")
        seen = await tx.get_many_as("people", ["p1", "p2"], Member)
        assert seen == {"p1": Member("s1", frozenset({"4A", "club"}), date(2026, 1, 5))}


class Refused(Exception):
    pass


def owned_by(owner: str, seen: list[Document | None]) -> Check:
    def check(doc: Document | None) -> None:
        seen.append(doc)
        if doc is None or doc["owner"] != owner:
            raise Refused(owner)

    return check


async def test_an_expected_document_that_fails_its_check_rolls_everything_back(
    storage: Storage,
) -> None:
    await put(storage, "locks", {"id": "l1", "owner": "a"})
    seen: list[Document | None] = []
    await storage.documents.expect("locks", "l1", owned_by("a", seen))
    with pytest.raises(Refused):
        await storage.documents.expect("locks", "absent", owned_by("a", seen))
    assert seen == [{"id": "l1", "owner": "a"}, None]

    async with storage.documents.transaction() as tx:
        await tx.expect("locks", "l1", owned_by("a", []))
        await tx.put("work", "w1", {"by": "a"})

    async def take_over() -> None:
        async with storage.documents.transaction() as tx:
            await tx.put("work", "w2", {"by": "b"})
            await tx.expect("locks", "l1", owned_by("b", []))
            await tx.put("locks", "l1", {"owner": "b"})

    with pytest.raises(Refused):
        await take_over()

    assert await storage.documents.get_many("work", ["w1", "w2"]) == {"w1": {"id": "w1", "by": "a"}}
    assert await storage.documents.get("locks", "l1") == {"id": "l1", "owner": "a"}


async def test_of_two_transactions_expecting_one_document_only_one_commits(
    storage: Storage,
) -> None:
    """A compare and set: SQLite checks as each commits, MongoDB aborts one of two
    transactions writing the same document."""
    await put(storage, "checkpoints", {"id": "c", "position": 0})

    def unmoved(doc: Document | None) -> None:
        if doc is None or doc["position"] != 0:
            raise Refused("moved")

    async def advance(to: int) -> None:
        async with storage.documents.transaction() as tx:
            await tx.expect("checkpoints", "c", unmoved)
            await tx.put("checkpoints", "c", {"position": to})
            await tx.put("moves", str(to), {"to": to})

    outcomes = await asyncio.gather(advance(1), advance(2), return_exceptions=True)

    assert sum(o is None for o in outcomes) == 1
    winner = 1 if outcomes[0] is None else 2
    assert await storage.documents.get("checkpoints", "c") == {"id": "c", "position": winner}
    assert await storage.documents.existing("moves", ["1", "2"]) == {str(winner)}


async def test_transaction_sees_its_own_pending_changes(storage: Storage) -> None:
    await put(storage, "c", {"id": "old", "v": 1}, {"id": "gone", "v": 1})
    async with storage.documents.transaction() as tx:
        assert await tx.delete("c", "gone") is True
        assert await tx.get("c", "gone") is None
        assert await tx.delete("c", "gone") is False
        assert await tx.insert("c", "gone", {"v": 2}) is True  # absent again: insert works
        await tx.put("c", "new", {"v": 3})
        assert await tx.existing("c", ["old", "gone", "new", "none"]) == {"old", "gone", "new"}
        page = await tx.find("c", Query(order_by=[("v", "asc")]))
        assert [(d["id"], d["v"]) for d in page.items] == [("old", 1), ("gone", 2), ("new", 3)]
        mutable = {"v": 4}
        await tx.put("c", "copy", mutable)
        mutable["v"] = 99  # the caller's later change does not leak into what is written
    assert (await storage.documents.get("c", "copy")) == {"id": "copy", "v": 4}
    assert (await storage.documents.get("c", "gone")) == {"id": "gone", "v": 2}


def person(id_: str, name: str, age: int, admin: bool, at: datetime, **more: Any) -> Document:
    return {"id": id_, "name": name, "age": age, "admin": admin, "at": at, **more}


PEOPLE: list[Document] = [
    person("p1", "Ada", 36, True, T0, team=None, addr={"city": "Lyon"}),
    person("p2", "Bob", 17, False, T0 + timedelta(hours=1), team="x", addr={"city": "Paris"}),
    person("p3", "Cy", 36, False, T0 + timedelta(days=1), team="x", addr={"city": "Lyon"}),
    person("p4", "Di", 52, True, T0 + timedelta(days=40), addr={}),  # no team, no city
    person("p5", "Ed", 9, False, T0 - timedelta(minutes=1), team="y"),  # no addr
]


async def ids(reader: DocumentReader, query: Query, collection: str = "people") -> list[str]:
    return [doc["id"] for doc in (await reader.find(collection, query)).items]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"name": "Bob"}, ["p2"]),
        ({"age": 36}, ["p1", "p3"]),
        ({"admin": True}, ["p1", "p4"]),
        ({"admin": False, "age": 36}, ["p3"]),
        ({"team": None}, ["p1", "p4"]),  # explicit null and missing alike
        ({"team": "x"}, ["p2", "p3"]),
        ({"addr.city": "Lyon"}, ["p1", "p3"]),
        ({"addr.city": None}, ["p4", "p5"]),
        ({"id": "p4"}, ["p4"]),
        ({"at": T0 + timedelta(hours=1)}, ["p2"]),
        ({"name": "Nobody"}, []),
        ({"age": "36"}, []),  # no type coercion
    ],
)
async def test_find_by_equality(
    storage: Storage, where: dict[str, Any], expected: list[str]
) -> None:
    await put(storage, "people", *PEOPLE)
    await put(storage, "others", {"id": "o1", "name": "Bob", "age": 36})

    assert await ids(storage.documents, Query(where=where)) == expected


async def test_found_documents_are_whole(storage: Storage) -> None:
    await put(storage, "people", *PEOPLE)

    page = await storage.documents.find("people", Query(where={"name": "Ada"}))

    assert page.items == [{**PEOPLE[0], "at": "2024-09-02T08:00:00Z"}]
    assert page.next_cursor is None


@pytest.mark.parametrize(
    ("ranges", "expected"),
    [
        ({"age": Range(gt=17)}, ["p1", "p3", "p4"]),
        ({"age": Range(gte=17)}, ["p1", "p2", "p3", "p4"]),
        ({"age": Range(lt=36)}, ["p2", "p5"]),
        ({"age": Range(lte=36)}, ["p1", "p2", "p3", "p5"]),
        ({"age": Range(gt=9, lt=52)}, ["p1", "p2", "p3"]),
        ({"age": Range(gte=100)}, []),
        ({"at": Range(gte=T0)}, ["p1", "p2", "p3", "p4"]),
        ({"at": Range(gt=T0, lte=T0 + timedelta(days=1))}, ["p2", "p3"]),
        ({"at": Range(lt=T0)}, ["p5"]),
        ({"at": Range(gte=T0), "age": Range(lt=40)}, ["p1", "p2", "p3"]),
        ({"id": Range(gt="p3")}, ["p4", "p5"]),
    ],
)
async def test_find_by_range(
    storage: Storage, ranges: dict[str, Range], expected: list[str]
) -> None:
    await put(storage, "people", *PEOPLE)

    assert await ids(storage.documents, Query(ranges=ranges)) == expected


async def test_find_combines_equality_and_range(storage: Storage) -> None:
    await put(storage, "people", *PEOPLE)

    query = Query(where={"admin": False}, ranges={"age": Range(gte=17)})
    assert await ids(storage.documents, query) == ["p2", "p3"]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ([], ["p1", "p2", "p3", "p4", "p5"]),
        ([("age", "asc")], ["p5", "p2", "p1", "p3", "p4"]),
        ([("age", "desc")], ["p4", "p3", "p1", "p2", "p5"]),
        ([("at", "desc")], ["p4", "p3", "p2", "p1", "p5"]),
        ([("age", "desc"), ("name", "asc")], ["p4", "p1", "p3", "p2", "p5"]),
        ([("admin", "asc"), ("age", "desc")], ["p3", "p2", "p5", "p4", "p1"]),
        ([("addr.city", "asc"), ("age", "asc")], ["p5", "p4", "p1", "p3", "p2"]),
        ([("team", "desc"), ("age", "asc")], ["p5", "p2", "p3", "p1", "p4"]),
    ],
)
async def test_find_sorts(
    storage: Storage, order_by: list[tuple[str, Direction]], expected: list[str]
) -> None:
    await put(storage, "people", *PEOPLE)

    assert await ids(storage.documents, Query(order_by=order_by)) == expected
    page = await storage.documents.find("people", Query(order_by=order_by, limit=2))
    assert [doc["id"] for doc in page.items] == expected[:2]
    assert page.next_cursor is not None


async def test_limit_exactly_reached_has_no_next_page(storage: Storage) -> None:
    await put(storage, "people", *PEOPLE)

    full = await storage.documents.find("people", Query(limit=5))
    assert len(full.items) == 5
    assert full.next_cursor is None
    first = await storage.documents.find("people", Query(limit=3))
    last = await storage.documents.find("people", Query(limit=3, after=first.next_cursor))
    assert [d["id"] for d in first.items + last.items] == ["p1", "p2", "p3", "p4", "p5"]
    assert last.next_cursor is None


def grade_docs() -> list[Document]:
    """53 docs: many share a grade, some have none (null or missing), ids out of order."""
    docs: list[Document] = []
    for i in range(53):
        doc: Document = {"id": f"d{(i * 37) % 53:02d}", "n": i, "group": "ab"[i % 2]}
        if i % 11 == 3:
            doc["grade"] = None
        elif i % 11 != 7:
            doc["grade"] = i % 5
        doc["name"] = f"n{i % 4}"
        docs.append(doc)
    return docs


def expected_order(docs: list[Document], query: Query) -> list[str]:
    """The order the contract promises: sort keys in turn, nulls lowest, then id."""

    def compare(a: Document, b: Document) -> int:
        for name, direction in query.sort_keys():
            x, y = a.get(name), b.get(name)
            if x == y:
                continue
            lower = x is None or (y is not None and x < y)
            return (-1 if lower else 1) * (1 if direction == "asc" else -1)
        return 0

    matching = [d for d in docs if all(d.get(k) == v for k, v in query.where.items())]
    return [d["id"] for d in sorted(matching, key=functools.cmp_to_key(compare))]


@pytest.mark.parametrize(
    "order_by",
    [
        [],
        [("grade", "asc")],
        [("grade", "desc")],
        [("grade", "asc"), ("name", "desc")],
        [("grade", "desc"), ("name", "asc")],
        [("name", "desc"), ("grade", "desc")],
        [("n", "desc")],
    ],
)
@pytest.mark.parametrize("limit", [1, 7, 53])
async def test_paginates_every_document_exactly_once(
    storage: Storage, order_by: list[tuple[str, Direction]], limit: int
) -> None:
    docs = grade_docs()
    await put(storage, "grades", *docs)
    for where in ({}, {"group": "a"}):
        query = Query(where=where, order_by=order_by, limit=limit)
        seen: list[str] = []
        pages = 0
        while True:
            page = await storage.documents.find("grades", query)
            assert len(page.items) <= limit
            seen += [doc["id"] for doc in page.items]
            pages += 1
            if page.next_cursor is None:
                break
            query = Query(where=where, order_by=order_by, limit=limit, after=page.next_cursor)
        expected = expected_order(docs, query)
        assert seen == expected
        assert pages == max(1, -(-len(expected) // limit))


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "e30",  # valid base64 and JSON, but not a list
        "WzEsMiwzXQ",  # [1,2,3]: wrong number of values for this query
        "W10",  # []
    ],
)
async def test_tampered_cursor_is_rejected(storage: Storage, cursor: str) -> None:
    await put(storage, "people", *PEOPLE)

    with pytest.raises(InvalidCursor):
        await storage.documents.find("people", Query(order_by=[("age", "asc")], after=cursor))


async def test_cursor_of_another_query_is_rejected(storage: Storage) -> None:
    await put(storage, "people", *PEOPLE)
    page = await storage.documents.find("people", Query(order_by=[("age", "asc")], limit=1))

    with pytest.raises(InvalidCursor):
        await storage.documents.find("people", Query(limit=1, after=page.next_cursor))


@pytest.mark.parametrize("name", ["a b", "$where", "a..b", "a.$gt", "1a", "", "a-b", "_id.$x"])
async def test_invalid_field_names_are_rejected(storage: Storage, name: str) -> None:
    with pytest.raises(ValueError, match="invalid field name"):
        Query(where={name: 1})
    with pytest.raises(ValueError, match="invalid field name"):
        Query(order_by=[(name, "asc")])
    with pytest.raises(ValueError, match="invalid field name"):
        await storage.documents.ensure_index("people", ["age", name])


async def test_ensure_index_is_idempotent(storage: Storage) -> None:
    await put(storage, "people", *PEOPLE)

    for _ in range(2):
        await storage.documents.ensure_index("people", ["team", "age"])
        await storage.documents.ensure_index("people", ["addr.city"])
        await storage.documents.ensure_index("empty", ["x"])

    query = Query(where={"team": "x"}, order_by=[("age", "desc")])
    assert await ids(storage.documents, query) == ["p3", "p2"]
    assert await ids(storage.documents, Query(where={"addr.city": "Paris"})) == ["p2"]


async def test_collections_with_the_same_index_answer_each_their_own(storage: Storage) -> None:
    """The same query on two collections, each with its index created while the store
    is open: each answers from its own documents (SQLite once answered the second from
    the first one's index, through a statement cached with the collection bound)."""
    others = [person(f"q{n}", "Zoé", n % 90, False, T0) for n in range(300)]
    for collection in ("people", "folk"):
        await put(storage, collection, *PEOPLE, *others)
    for collection in ("people", "folk"):
        await storage.documents.ensure_index(collection, ["team", "age"])
    query = Query(where={"team": "x"}, order_by=[("age", "asc")])
    for collection in ("people", "folk", "people"):
        assert await ids(storage.documents, query, collection) == ["p2", "p3"], collection


async def test_a_sparse_index_changes_no_answer(storage: Storage) -> None:
    """An index of the documents whose first field is set only: equality and range
    queries on it, and writes that set or clear it, answer as without it."""
    await put(storage, "people", *PEOPLE)
    await storage.documents.ensure_index("people", ["team", "age"])  # replaced
    for _ in range(2):
        await storage.documents.ensure_index("people", ["team", "age"], sparse=True)

    by_age: list[tuple[str, Direction]] = [("age", "desc")]
    assert await ids(storage.documents, Query(where={"team": "x"}, order_by=by_age)) == [
        "p3",
        "p2",
    ]
    await put(storage, "people", {**PEOPLE[4], "team": "x"}, {**PEOPLE[2], "team": None})
    assert await ids(storage.documents, Query(where={"team": "x"}, order_by=by_age)) == [
        "p2",
        "p5",
    ]
    assert await ids(storage.documents, Query(ranges={"team": Range(gte="a")})) == ["p2", "p5"]
    assert await ids(storage.documents, Query(where={"team": None})) == ["p1", "p3", "p4"]


async def test_ping(storage: Storage) -> None:
    await storage.ping()


# --- MongoDB adapter specifics ----------------------------------------------------------


async def test_mongo_database_comes_from_the_url_else_the_default(
    mongo_database: tuple[str, str],
) -> None:
    server, name = mongo_database
    by_path = await MongoStorage.open(with_database(server, name), default_database="ignored")
    by_default = await MongoStorage.open(server, default_database=name)
    try:
        first = event("s-1", 1)
        await by_path.events.append("s-1", 0, [first])
        assert await by_default.events.read_stream("s-1") == [first]
    finally:
        await by_path.close()
        await by_default.close()


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("options", "within"),
    [("?serverSelectionTimeoutMS=300", 3.0), ("", 9.0)],  # default: 5 s
)
async def test_mongo_open_fails_fast_when_unreachable(options: str, within: float) -> None:
    url = f"mongodb://127.0.0.1:{unused_port()}/{options}"
    started = time.monotonic()

    with pytest.raises(ConnectionError, match=r"cannot reach MongoDB at 127\.0\.0\.1"):
        await MongoStorage.open(url, default_database="ent_test")

    assert time.monotonic() - started < within


async def test_delete_matching_deletes_one_bounded_batch_of_what_find_returns(
    storage: Storage,
) -> None:
    await put(storage, "people", *PEOPLE)
    await put(storage, "other", {"id": "p1", "age": 36})
    older = Query(ranges={"age": Range(gte=36)}, order_by=[("age", "asc")], limit=2)

    async with storage.documents.transaction() as tx:
        assert await tx.delete_matching("people", older) == 2  # p1 and p3 (36), not p4 yet
        assert await tx.get("people", "p1") is None  # the transaction sees its deletes

    assert await ids(storage.documents, Query(order_by=[("name", "asc")])) == ["p2", "p4", "p5"]
    assert await storage.documents.get("other", "p1") == {"id": "p1", "age": 36}


async def delete_team_x_then_fail(storage: Storage) -> None:
    async with storage.documents.transaction() as tx:
        await tx.put("people", "p6", {"team": "x"})
        assert await tx.delete_matching("people", Query(where={"team": "x"})) == 3
        raise Boom


async def test_delete_matching_sees_pending_writes_and_rolls_back(storage: Storage) -> None:
    await put(storage, "people", *PEOPLE)
    with pytest.raises(Boom):
        await delete_team_x_then_fail(storage)
    assert await ids(storage.documents, Query(where={"team": "x"})) == ["p2", "p3"]


async def test_clear_empties_a_collection_or_what_a_query_matches(storage: Storage) -> None:
    many = [{"id": f"m{i:04}", "odd": i % 2} for i in range(2_345)]  # more than one batch
    await put(storage, "many", *many)
    await put(storage, "people", *PEOPLE)

    assert await clear(storage.documents, "many", Query(where={"odd": 1})) == 1_172
    assert len([d async for d in find_all(storage.documents, "many", Query(limit=1000))]) == 1_173
    assert await clear(storage.documents, "many") == 1_173
    assert (await storage.documents.find("many", Query())).items == []
    assert len(await ids(storage.documents, Query())) == len(PEOPLE)


async def test_drop_index_removes_either_sparseness(storage: Storage) -> None:
    await put(storage, "people", *PEOPLE)
    await storage.documents.drop_index("people", ["team"])  # none yet: not an error
    for sparse in (False, True):
        await storage.documents.ensure_index("people", ["team"], sparse=sparse)
        await storage.documents.drop_index("people", ["team"])
    assert await ids(storage.documents, Query(where={"team": "x"})) == ["p2", "p3"]


async def test_sqlite_drop_index_leaves_no_index(tmp_path: Path) -> None:
    storage = await SqliteStorage.open(tmp_path / "drop.db")
    try:
        await storage.documents.ensure_index("people", ["team"])
        await storage.documents.ensure_index("people", ["team", "age"], sparse=True)
        await storage.documents.drop_index("people", ["team"])
        names = await storage.read("SELECT name FROM sqlite_master WHERE type = 'index'")
        assert [n for (n,) in names if n.startswith("ix_")] == ["ix_people_team_age__sparse"]
    finally:
        await storage.close()


async def test_sqlite_reads_a_sparse_index_whatever_the_bound_value(tmp_path: Path) -> None:
    """`team = ?` implies the sparse index's `team IS NOT NULL` for any value: SQLite plans
    the query with it, and a prepared statement reused with another value stays right."""
    storage = await SqliteStorage.open(tmp_path / "plan.db")
    try:
        # Many without a team, as the planner's statistics then say (most are not indexed).
        others = [person(f"q{n}", "Zoé", n % 90, False, T0) for n in range(300)]
        await put(storage, "people", *PEOPLE, *others)
        await storage.documents.ensure_index("people", ["team", "age"], sparse=True)
        by_age: list[tuple[str, Direction]] = [("age", "asc")]
        for team, expected in (("x", ["p2", "p3"]), ("y", ["p5"]), ("x", ["p2", "p3"])):
            query = Query(where={"team": team}, order_by=by_age)
            ((sql, params),) = find_sql("people", query)
            plan = await storage.read(f"EXPLAIN QUERY PLAN {sql}", params)
            assert "ix_people_team_age__sparse" in " ".join(str(r[-1]) for r in plan), plan
            assert await ids(storage.documents, query) == expected
    finally:
        await storage.close()
