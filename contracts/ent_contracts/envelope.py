"""The one envelope every domain event travels in, on the bus and in the event stores."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

import msgspec

EventId = Annotated[str, msgspec.Meta(description="UUIDv7: unique and time-ordered")]


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every event payload.

    Subclasses declare their wire identity as class variables; payload changes are
    additive only, anything breaking is a new `event_type`, or a new `schema_version` with
    an `upcaster` from the previous one (`registry`; checked by `ent_contracts.compat`).
    """

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str]


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    """Who caused the event: a signed-in user, or the system itself (seeding, purges)."""

    kind: Literal["user", "system"]
    id: str


SYSTEM = Actor(kind="system", id="system")


class TraceContext(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """W3C trace context of the request that caused the event, so consumers join its trace."""

    traceparent: str = ""
    tracestate: str = ""


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """Event metadata + payload. `payload` stays a raw mapping here; see `registry.decode`."""

    event_id: EventId
    type: str
    schema_version: int
    aggregate_id: str
    aggregate_version: Annotated[int, msgspec.Meta(ge=1)]
    occurred_at: datetime
    actor: Actor
    trace: TraceContext = TraceContext()
    payload: dict[str, Any]
