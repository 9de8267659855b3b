"""Event contracts shared by every service and by analytics consumers."""

from ent_contracts.envelope import SYSTEM, Actor, DomainEvent, Envelope, TraceContext
from ent_contracts.registry import (
    UnknownEvent,
    decode_payload,
    payload_dict,
    registered,
    upcaster,
)

__all__ = [
    "SYSTEM",
    "Actor",
    "DomainEvent",
    "Envelope",
    "TraceContext",
    "UnknownEvent",
    "decode_payload",
    "payload_dict",
    "registered",
    "upcaster",
]
