"""Mobile pairing: a signed-in user gets a one-time pairing code (the web page shows it as
a QR code); a mobile client exchanges it, through the gateway, for a device of its own
with a secret; the device's secret gets it fresh short-lived tokens until its owner
unpairs it, or the account's sessions end (a freeze, a new password, "sign out
everywhere": the device carries the session version it was paired under).

Codes and secrets are kept as `one_time_codes` says; a code works once."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from ent_contracts.directory_api import (
    DeviceCredentials,
    PairedDevice,
    PairingRedemption,
    SignInAccount,
)
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.errors import Conflict, NotFound, Refused, Unauthenticated
from ent_kit.logging import get_logger
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.sessions import current_version
from ent_kit.storage import DocumentStore, Query, Range

from ent_directory import texts
from ent_directory.application.credentials import sign_in_answer
from ent_directory.application.devices import DEVICE_SECRETS, DEVICES, DeviceView
from ent_directory.application.management import require_person, require_service
from ent_directory.application.one_time_codes import code_hash, has_expired, new_code, spend
from ent_directory.application.projections import USERS
from ent_directory.domain.devices import MAX_DEVICES, MAX_LIVE_CODES, Device, device_name

PAIRING_CODES = "pairing_codes"
PURGE_INTERVAL_S = 3600.0  # codes nobody redeemed: gone within the hour after they expire
log = get_logger("ent.directory.pairing")


class PairingCode(msgspec.Struct, frozen=True, kw_only=True):
    """Shown once, as a QR code, to the signed-in user who asked for it."""

    code: str
    expires_at: datetime


class InvalidDevice(Unauthenticated):
    """Unknown device, wrong secret, unpaired, or its account's sessions ended: alike."""

    def __init__(self) -> None:
        super().__init__("device_secret", "invalid_device", texts.DEVICE_INVALID)


class Pairing:
    def __init__(
        self,
        documents: DocumentStore,
        devices: Repository[Device],
        projector: LocalProjector,
        *,
        code_ttl: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._documents = documents
        self._devices = devices
        self._projector = projector  # the devices' read model, for read-your-writes
        self._code_ttl = code_ttl
        self._clock = clock

    async def issue_code(self, caller: Identity) -> PairingCode:
        """A new one-time code for the caller's account; beyond MAX_LIVE_CODES alive, the
        oldest stops working. Refused while the account has MAX_DEVICES paired."""
        user_id = require_person(caller)
        if len(await self._paired(user_id, caller.session_version)) >= MAX_DEVICES:
            message = texts.TOO_MANY_DEVICES.format(max=MAX_DEVICES)
            raise Conflict("", "too_many_devices", message, max=MAX_DEVICES)
        now = self._clock()
        code = new_code()
        expires_at = now + self._code_ttl
        async with self._documents.transaction() as tx:
            page = await tx.find(PAIRING_CODES, Query(where={"user_id": user_id}, limit=100))
            live = sorted(
                (c for c in page.items if datetime.fromisoformat(c["expires_at"]) > now),
                key=lambda c: str(c["expires_at"]),
            )
            kept = {c["id"] for c in live[-(MAX_LIVE_CODES - 1) :]}  # room for the new one
            for stale in page.items:
                if stale["id"] not in kept:
                    await tx.delete(PAIRING_CODES, stale["id"])
            await tx.put(
                PAIRING_CODES,
                code_hash(code),
                {
                    "user_id": user_id,
                    "expires_at": expires_at.isoformat(),
                    # A code asked for before the sessions ended must not pair afterwards.
                    "session_version": caller.session_version,
                },
            )
        log.info("pairing code issued", user_id=user_id)
        return PairingCode(code=code, expires_at=expires_at)

    async def redeem(self, caller: Identity, redemption: PairingRedemption) -> PairedDevice:
        """The gateway's (services only): the code is spent whatever follows. Unknown,
        spent, or for an account that may no longer sign in: `invalid_code`; late:
        `expired_code`."""
        require_service(caller)
        name = device_name(redemption.device_name)  # before the code is spent
        found = await spend(self._documents, PAIRING_CODES, redemption.code)
        if found is None:
            raise Refused("code", "invalid_code", texts.PAIRING_CODE_INVALID)
        if has_expired(found, self._clock()):
            raise Refused("code", "expired_code", texts.PAIRING_CODE_EXPIRED)
        user = await self._signs_in(found["user_id"], int(found["session_version"]))
        if user is None:
            raise Refused("code", "invalid_code", texts.PAIRING_CODE_INVALID)
        account = await sign_in_answer(self._documents, user)
        device_id = new_event_id()
        secret = new_code()
        now = self._clock()
        # The secret first: a device listed is one that works (a crash in between leaves
        # a secret no device document backs, refused at its first use).
        async with self._documents.transaction() as tx:
            await tx.put(
                DEVICE_SECRETS,
                device_id,
                {
                    "hash": code_hash(secret),
                    "user_id": user["id"],
                    "last_used_at": now.isoformat(),
                },
            )
        saved = await self._devices.update(
            device_id,
            lambda d: d.pair(user["id"], name, now, account.session_version),
            Identity(user_id=user["id"], profile=user["profile"]).actor,
            create=True,
        )
        await self._projector.caught_up(saved.position)
        log.info("device paired", user_id=user["id"], device_id=device_id)
        return PairedDevice(device_id=device_id, device_secret=secret, account=account)

    async def device_token(self, caller: Identity, credentials: DeviceCredentials) -> SignInAccount:
        """The gateway's (services only): the account a paired device signs in as."""
        require_service(caller)
        stored = await self._documents.get(DEVICE_SECRETS, credentials.device_id)
        wanted = code_hash(credentials.device_secret)
        if stored is None or not hmac.compare_digest(str(stored["hash"]), wanted):
            raise InvalidDevice()
        device = await self._documents.get(DEVICES, credentials.device_id)
        if device is None:  # unpaired
            raise InvalidDevice()
        user = await self._signs_in(device["user_id"], int(device["session_version"]))
        if user is None:
            raise InvalidDevice()
        async with self._documents.transaction() as tx:
            await tx.put(
                DEVICE_SECRETS,
                credentials.device_id,
                {**stored, "last_used_at": self._clock().isoformat()},
            )
        return await sign_in_answer(self._documents, user)

    async def devices(self, caller: Identity) -> list[DeviceView]:
        """The caller's paired devices, most recently paired first."""
        user_id = require_person(caller)
        paired = await self._paired(user_id, caller.session_version)
        used = await self._documents.get_many(DEVICE_SECRETS, [d["id"] for d in paired])
        return [
            DeviceView(
                device_id=d["id"],
                name=d["name"],
                paired_at=datetime.fromisoformat(d["paired_at"]),
                last_used_at=_when(used.get(d["id"], {}).get("last_used_at")),
            )
            for d in paired
        ]

    async def revoke(self, caller: Identity, device_id: str) -> None:
        """Unpair one of the caller's devices: its next refresh is refused. Someone
        else's and an unknown one answer alike (404)."""
        user_id = require_person(caller)
        try:
            saved = await self._devices.update(device_id, lambda d: d.revoke(user_id), caller.actor)
        except NotFound:
            raise NotFound("device_id", "device_not_found", texts.DEVICE_NOT_FOUND) from None
        async with self._documents.transaction() as tx:
            await tx.delete(DEVICE_SECRETS, device_id)
        await self._projector.caught_up(saved.position)
        log.info("device revoked", user_id=user_id, device_id=device_id)

    async def purge_expired(self) -> int:
        """Delete the codes past their expiry that nobody redeemed (a periodic job):
        the collection holds only codes still alive, whoever never comes back."""
        late = Query(ranges={"expires_at": Range(lte=self._clock().isoformat())})
        async with self._documents.transaction() as tx:
            return await tx.delete_matching(PAIRING_CODES, late)

    async def _paired(self, user_id: str, session_version: int) -> list[dict[str, Any]]:
        """The account's devices still alive: paired under its current session version
        (those paired before its sessions ended are dead, though not unpaired)."""
        current = max(session_version, await current_version(self._documents, user_id))
        query = Query(
            where={"user_id": user_id},
            order_by=[("paired_at", "desc")],
            limit=MAX_DEVICES * 5,
        )
        page = await self._documents.find(DEVICES, query)
        return [d for d in page.items if int(d["session_version"]) >= current]

    async def _signs_in(self, user_id: str, session_version: int) -> dict[str, Any] | None:
        """The account's user document while it may sign in under `session_version`."""
        user = await self._documents.get(USERS, user_id)
        if user is None or not user["active"] or user.get("frozen"):
            return None
        if session_version < await current_version(self._documents, user_id):
            return None
        return user


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
