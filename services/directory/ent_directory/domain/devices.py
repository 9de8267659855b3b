"""Paired mobile devices (seed 002 §II-4, « Flasher le QR code »): a device is paired to one
account by a one-time code, and unpaired by its owner. Pure: rules and events only.

Someone else's device, an unpaired one and an unknown one are alike: not found."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from ent_contracts import DomainEvent
from ent_contracts.directory import DevicePaired, DeviceRevoked
from ent_kit.aggregate import Aggregate
from ent_kit.errors import NotFound, Refused

from ent_directory import texts

MAX_DEVICE_NAME = 64
# Pairing codes alive at once per account (a second tab, a retry): issuing one more
# drops the oldest, so a user's codes stay few whatever they click.
MAX_LIVE_CODES = 3
# Paired devices per account: a list one reads at a glance, and a bound on what a
# stolen session could pair before its owner notices.
MAX_DEVICES = 20


def device_name(raw: str) -> str:
    """The name as shown in the list: trimmed, 1 to MAX_DEVICE_NAME characters, no
    control or format characters (they would garble the list, or hide a name)."""
    name = raw.strip()
    if not name:
        raise Refused("device_name", "missing", texts.DEVICE_NAME_REQUIRED)
    if len(name) > MAX_DEVICE_NAME:
        message = texts.DEVICE_NAME_TOO_LONG.format(max=MAX_DEVICE_NAME)
        raise Refused("device_name", "too_long", message, max=MAX_DEVICE_NAME)
    if any(unicodedata.category(c) in {"Cc", "Cf"} for c in name):
        raise Refused("device_name", "invalid_characters", texts.DEVICE_NAME_INVALID)
    return name


class Device(Aggregate):
    def __init__(self, device_id: str) -> None:
        super().__init__(device_id)
        self.user_id: str | None = None
        self.revoked = False

    def pair(self, user_id: str, name: str, paired_at: datetime, session_version: int) -> None:
        if self.user_id is not None:  # ids are drawn fresh: a client never meets this
            raise Refused("device_id", "already_exists", texts.DEVICE_EXISTS)
        self.trigger(
            DevicePaired(
                device_id=self.id,
                user_id=user_id,
                device_name=device_name(name),
                paired_at=paired_at,
                session_version=session_version,
            )
        )

    def revoke(self, user_id: str) -> None:
        if self.user_id != user_id or self.revoked:
            raise NotFound("device_id", "device_not_found", texts.DEVICE_NOT_FOUND)
        self.trigger(DeviceRevoked(device_id=self.id, user_id=user_id))

    def when(self, event: DomainEvent) -> None:
        match event:
            case DevicePaired():
                self.user_id = event.user_id
            case DeviceRevoked():
                self.revoked = True
