"""The read model of paired devices, kept from the directory's own events, and the views
a user lists them with.

`devices` holds one document per device still paired (an unpaired one is deleted): its
owner, name, pairing time and the account's session version at pairing. The device's
secret is not here: it is stored apart (`DEVICE_SECRETS`, hashed, never in an event)."""

from __future__ import annotations

from datetime import datetime

import msgspec
from ent_contracts import DomainEvent, Envelope
from ent_contracts.directory import DevicePaired, DeviceRevoked
from ent_kit.storage import DocumentWriter

DEVICES = "devices"
# Per device: the SHA-256 of its secret, its owner, when it last got a token. Like the
# password hashes, deliberately not event-sourced: no secret on the event stream.
DEVICE_SECRETS = "device_secrets"


class DeviceView(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    name: str
    paired_at: datetime
    last_used_at: datetime | None = None  # when it last got a token (pairing included)


class DevicesProjection:
    name = "devices"
    collections = (DEVICES,)
    handles = frozenset({DevicePaired.event_type, DeviceRevoked.event_type})

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case DevicePaired():
                await tx.put(
                    DEVICES,
                    event.device_id,
                    {
                        "user_id": event.user_id,
                        "name": event.device_name,
                        "paired_at": event.paired_at.isoformat(),
                        "session_version": event.session_version,
                    },
                )
            case DeviceRevoked():
                await tx.delete(DEVICES, event.device_id)
