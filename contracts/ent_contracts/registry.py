"""Which payload class stands behind each (event type, schema version) on the wire."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from ent_contracts.envelope import DomainEvent, Envelope

E = TypeVar("E", bound=type[DomainEvent])

_EVENTS: dict[tuple[str, int], type[DomainEvent]] = {}


class UnknownEvent(LookupError):
    """An envelope whose type/version this code does not know (a newer producer)."""


def register(cls: E) -> E:
    key = (cls.event_type, cls.schema_version)
    if key in _EVENTS and _EVENTS[key] is not cls:
        raise ValueError(f"event {key} registered twice")
    _EVENTS[key] = cls
    return cls


def registered() -> list[type[DomainEvent]]:
    _load_all()
    return sorted(_EVENTS.values(), key=lambda c: (c.topic, c.event_type, c.schema_version))


def payload_class(event_type: str, schema_version: int) -> type[DomainEvent]:
    _load_all()
    try:
        return _EVENTS[(event_type, schema_version)]
    except KeyError:
        raise UnknownEvent(f"{event_type} v{schema_version}") from None


def decode_payload(envelope: Envelope) -> DomainEvent:
    cls = payload_class(envelope.type, envelope.schema_version)
    return msgspec.convert(envelope.payload, cls)


def payload_dict(event: DomainEvent) -> dict[str, Any]:
    builtins: dict[str, Any] = msgspec.to_builtins(event)
    return builtins


def _load_all() -> None:
    # Importing the domain modules runs their @register decorators.
    from ent_contracts import directory, locker, workspace  # noqa: F401
