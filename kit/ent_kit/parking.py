"""Poison events: an event a projection keeps failing on is set aside, so the others flow.

A projection that fails on an event is given `PoisonPolicy.attempts` tries with a growing
pause; after the last, the event is *parked*: a record in the service's `_parked`
collection (with the event as received and the last error), and — for an event consumed
from a topic — a copy on `<topic>.dlq`. The projection then goes on with the next event.
Nothing is lost: an operator lists parked events and applies them again once the cause is
fixed (`python -m ent_<service> parked`, `retry-parked`).

A store that is down is not a poison event: parking needs the store too, so the failure
propagates and the whole batch is tried again later, as before.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

import msgspec

from ent_kit.logging import get_logger
from ent_kit.storage import DocumentReader, DocumentWriter, Query, find_all

PARKED = "_parked"
T = TypeVar("T")
log = get_logger("ent.parking")

# Failures that say "not now, not here" rather than "this event is bad": never parked.
NotPoison = tuple[type[BaseException], ...]


class PoisonPolicy(msgspec.Struct, frozen=True, kw_only=True):
    attempts: int = 5
    first_pause_s: float = 0.2
    max_pause_s: float = 5.0

    def pauses(self) -> Iterator[float]:
        """The pause after each failed attempt but the last."""
        pause = self.first_pause_s
        for _ in range(self.attempts - 1):
            yield pause
            pause = min(pause * 2, self.max_pause_s)


class ParkedEvent(msgspec.Struct, frozen=True, kw_only=True):
    projection: str
    source: str  # the topic it came from, or "log" (the service's own event store)
    event_id: str  # or, for bytes that are not an event at all, where they were found
    type: str
    record: str  # the event as received: its JSON, or "base64:…" for bytes that are not JSON
    error: str
    attempts: int
    parked_at: datetime
    position: int | None = None  # in the service's own log

    @property
    def key(self) -> str:
        return parked_key(self.projection, self.event_id)

    def record_bytes(self) -> bytes:
        if self.record.startswith(_BASE64):
            return base64.b64decode(self.record.removeprefix(_BASE64))
        return self.record.encode()


_BASE64 = "base64:"


def parked_key(projection: str, event_id: str) -> str:
    return f"{projection}:{event_id}"


def record_text(record: bytes) -> str:
    """JSON as it is (readable in the store), anything else in base64."""
    try:
        text = record.decode()
    except UnicodeDecodeError:
        text = ""
    if text.startswith("{"):
        return text
    return _BASE64 + base64.b64encode(record).decode()


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


async def park(tx: DocumentWriter, parked: ParkedEvent) -> None:
    await tx.put(PARKED, parked.key, msgspec.to_builtins(parked))
    log.error(
        "event parked after repeated failures",
        projection=parked.projection,
        event_id=parked.event_id,
        type=parked.type,
        source=parked.source,
        error=parked.error,
    )


async def parked_events(
    reader: DocumentReader, projection: str | None = None
) -> AsyncIterator[ParkedEvent]:
    where = {} if projection is None else {"projection": projection}
    query = Query(where=where, order_by=[("parked_at", "asc")], limit=500)
    async for doc in find_all(reader, PARKED, query):
        yield msgspec.convert(
            {k: v for k, v in doc.items() if k != "id"}, ParkedEvent, strict=False
        )


async def parked_count(reader: DocumentReader) -> int:
    """For the `parked` gauge: exact up to the store's page size (a thousand parked
    events already call for an operator; the figure says "at least")."""
    return len((await reader.find(PARKED, Query(limit=1000))).items)


async def attempt(
    work: Callable[[], Awaitable[T]], policy: PoisonPolicy, *, not_poison: NotPoison, what: str
) -> T | BaseException:
    """Run `work` until it succeeds or the policy's attempts are spent: its result, or the
    last error. A `not_poison` failure propagates at once."""
    pauses = policy.pauses()
    while True:
        try:
            return await work()
        except not_poison:
            raise
        except Exception as exc:
            pause = next(pauses, None)
            if pause is None:
                return exc
            log.warning("projection failed on an event; again soon", event_id=what, error=str(exc))
            await asyncio.sleep(pause)


def now() -> datetime:
    return datetime.now(UTC)
