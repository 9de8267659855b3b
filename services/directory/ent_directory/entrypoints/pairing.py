"""Directory HTTP API of mobile pairing: a pairing code for the QR code, my paired devices
(list, unpair), and the gateway's exchanges (service tokens only, not in the public API):
a code for a device, a device's secret for its account."""

from __future__ import annotations

from ent_contracts.directory_api import (
    DEVICE_TOKEN_PATH,
    PAIRING_REDEEM_PATH,
    DeviceCredentials,
    PairedDevice,
    PairingRedemption,
    SignInAccount,
)
from ent_kit.controllers import AnyRequest
from ent_kit.scopes import DIRECTORY_SIGN_IN, service_route
from litestar import Controller, delete, get, post

from ent_directory.application.devices import DeviceView
from ent_directory.application.pairing import Pairing, PairingCode


class PairingController(Controller):
    path = "/directory"
    tags = ["directory"]

    @post(
        "/pairing-codes",
        status_code=201,
        summary="A one-time code to pair a mobile device (shown as a QR code)",
        description="Valid `ENT_PAIRING_CODE_TTL_S` (120 s), once; at most 3 alive per "
        "account (a new one ends the oldest). 409 `too_many_devices` while 20 are paired.",
    )
    async def issue_code(self, request: AnyRequest, pairing: Pairing) -> PairingCode:
        return await pairing.issue_code(request.user)

    @get("/devices", summary="My paired mobile devices, most recently paired first")
    async def devices(self, request: AnyRequest, pairing: Pairing) -> list[DeviceView]:
        return await pairing.devices(request.user)

    @delete(
        "/devices/{device_id:str}",
        status_code=204,
        summary="Unpair one of my devices: it gets no new token",
    )
    async def revoke(self, request: AnyRequest, pairing: Pairing, device_id: str) -> None:
        await pairing.revoke(request.user, device_id)


class PairingInternalController(Controller):
    """The gateway's: it alone sees the client (throttles) and signs user tokens. Under
    the sign-in scope: like a password check, each exchanges a credential for an account."""

    include_in_schema = False

    @post(PAIRING_REDEEM_PATH, status_code=200, opt=service_route(DIRECTORY_SIGN_IN))
    async def redeem(
        self, request: AnyRequest, pairing: Pairing, data: PairingRedemption
    ) -> PairedDevice:
        return await pairing.redeem(request.user, data)

    @post(DEVICE_TOKEN_PATH, status_code=200, opt=service_route(DIRECTORY_SIGN_IN))
    async def device_token(
        self, request: AnyRequest, pairing: Pairing, data: DeviceCredentials
    ) -> SignInAccount:
        return await pairing.device_token(request.user, data)
