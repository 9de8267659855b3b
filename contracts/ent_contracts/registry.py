"""Which payload class stands behind each (event type, schema version) on the wire, and
the upcasters that lift an old version's payload to the current one at read time."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from ent_contracts.envelope import DomainEvent, Envelope

E = TypeVar("E", bound=type[DomainEvent])

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]
U = TypeVar("U", bound=Upcaster)

_EVENTS: dict[tuple[str, int], type[DomainEvent]] = {}
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class UnknownEvent(LookupError):
    """An envelope whose type/version this code does not know (a newer producer)."""


def register(cls: E) -> E:
    key = (cls.event_type, cls.schema_version)
    if key in _EVENTS and _EVENTS[key] is not cls:
        raise ValueError(f"event {key} registered twice")
    _EVENTS[key] = cls
    return cls


def upcaster(event_type: str, *, from_version: int) -> Callable[[U], U]:
    """Register `fn(payload) -> payload` turning a `from_version` payload of `event_type`
    into a `from_version + 1` one. It returns a new dict and may not touch anything but
    the payload it is given (a private copy). Chains: v1 → v2 → v3 runs two upcasters.

        @upcaster("locker.DocumentDeposited", from_version=1)
        def _deposited_v1(payload: Payload) -> Payload:
            return {**payload, "labels": []}
    """
    if from_version < 1:
        raise ValueError(f"upcaster {event_type}: from_version must be >= 1")

    def decorate(fn: U) -> U:
        key = (event_type, from_version)
        if key in _UPCASTERS and _UPCASTERS[key] is not fn:
            raise ValueError(f"upcaster {event_type} v{from_version} registered twice")
        _UPCASTERS[key] = fn
        return fn

    return decorate


def registered() -> list[type[DomainEvent]]:
    _load_all()
    return sorted(_EVENTS.values(), key=lambda c: (c.topic, c.event_type, c.schema_version))


def upcast_version(event_type: str, schema_version: int) -> int:
    """The version a payload of `schema_version` ends at once every upcaster has run
    (`schema_version` itself when there is no upcaster from it)."""
    _load_all()
    version = schema_version
    while (event_type, version) in _UPCASTERS:
        version += 1
    return version


def upcast(event_type: str, schema_version: int, payload: Payload) -> tuple[int, Payload]:
    """Run the upcasters from `schema_version` on; `payload` itself is never modified."""
    _load_all()
    version = schema_version
    step = _UPCASTERS.get((event_type, version))
    if step is None:
        return version, payload
    payload = copy.deepcopy(payload)
    while step is not None:
        payload = step(payload)
        version += 1
        step = _UPCASTERS.get((event_type, version))
    return version, payload


def payload_class(event_type: str, schema_version: int) -> type[DomainEvent]:
    """The class an envelope of this type and version decodes to, upcasters included
    (so a v1 envelope of an event now at v2 answers the v2 class)."""
    version = upcast_version(event_type, schema_version)
    try:
        return _EVENTS[(event_type, version)]
    except KeyError:
        raise UnknownEvent(f"{event_type} v{schema_version}") from None


def decode_payload(envelope: Envelope) -> DomainEvent:
    """The payload as the current class: an older version is upcast first, so aggregates
    and projections see one shape per event type."""
    cls = payload_class(envelope.type, envelope.schema_version)
    _, payload = upcast(envelope.type, envelope.schema_version, envelope.payload)
    return msgspec.convert(payload, cls)


def payload_dict(event: DomainEvent) -> dict[str, Any]:
    builtins: dict[str, Any] = msgspec.to_builtins(event)
    return builtins


def _load_all() -> None:
    # Importing the domain modules runs their @register and @upcaster decorators.
    from ent_contracts import directory, locker, mail, schoollife, transfer, workspace  # noqa: F401
