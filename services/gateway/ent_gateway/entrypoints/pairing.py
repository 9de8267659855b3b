"""Gateway HTTP of mobile pairing: the web page's QR code (signed in), and the mobile
client's exchanges (public: the code, then the device's secret, is the credential)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from ent_contracts.directory_api import DeviceCredentials, PairingRedemption
from ent_kit.controllers import AnyRequest
from ent_kit.peers import PeerClient
from ent_kit.problems import Problem
from litestar import Controller, post

from ent_gateway.adapters.directory import DirectoryPairing
from ent_gateway.adapters.upstreams import Upstreams
from ent_gateway.application.pairing import (
    DeviceSignedIn,
    DeviceToken,
    DirectoryRefused,
    Pairing,
    PairingQr,
)
from ent_gateway.application.sign_in import SignIn
from ent_gateway.application.throttle import SignInThrottle, ThrottlePolicy
from ent_gateway.entrypoints.client_address import ClientAddresses
from ent_gateway.settings import GatewaySettings

REDEEM_PATH: Final = "/api/auth/pairing/redeem"
DEVICE_TOKEN_PATH: Final = "/api/auth/device-token"
# No bearer token on these: the service definition lists them among its public paths.
PUBLIC_PATHS: Final = (REDEEM_PATH, DEVICE_TOKEN_PATH)


def build_pairing(
    settings: GatewaySettings,
    upstreams: Upstreams,
    directory: PeerClient | None,
    sign_in: SignIn,
) -> Pairing:
    """One per process. Its throttle is its own (pairing's failures do not delay password
    sign-ins), per client address with the sign-in's address policy: codes and device
    secrets are 256 random bits, so the throttle spares the directory, not the secrets."""
    by_address = ThrottlePolicy(
        free_failures=settings.sign_in_address_free_failures,
        first_delay_s=settings.sign_in_first_delay_s,
        max_delay_s=settings.sign_in_max_delay_s,
        window_s=settings.sign_in_window_s,
    )
    return Pairing(
        DirectoryPairing(directory, upstreams),
        sign_in,
        device_token_ttl=timedelta(seconds=settings.device_token_ttl_s),
        public_url=settings.pairing_public_url,
        throttle=SignInThrottle(by_address, by_address),
    )


class PairingController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post(
        "/pairing",
        summary="A QR code to pair a mobile device with my account",
        description="The code is single-use and short-lived (`ENT_PAIRING_CODE_TTL_S`, "
        "120 s). `uri` is what the QR code (`qr_svg`, an SVG document) holds: "
        "`ent-pairing:<gateway URL>?code=<code>`; the mobile app redeems the code at "
        "`POST /api/auth/pairing/redeem` of that gateway. My paired devices: "
        "`GET /api/directory/devices`; unpair one: `DELETE /api/directory/devices/{id}`.",
    )
    async def qr(self, request: AnyRequest, pairing: Pairing) -> PairingQr:
        authorization = request.headers.get("authorization", "")
        try:
            return await pairing.qr(authorization, str(request.base_url))
        except DirectoryRefused as refused:
            body = refused.body
            code = str(body.get("code") or "refused")
            title = str(body.get("title") or code)
            raise Problem(refused.status, code, title, str(body.get("detail") or title)) from None

    @post(
        "/pairing/redeem",
        summary="Pair this mobile device with the code of a QR code (no sign-in)",
        description="Answers the device's id and secret (shown once: keep it) and a token "
        "lasting `ENT_DEVICE_TOKEN_TTL_S` (900 s). A code works once: used, unknown or "
        "expired, 400 naming `code`. Throttled per client address like a sign-in (429 "
        "`too_many_attempts` with `Retry-After`).",
    )
    async def redeem(
        self,
        request: AnyRequest,
        data: PairingRedemption,
        pairing: Pairing,
        client_addresses: ClientAddresses,
    ) -> DeviceSignedIn:
        return await pairing.redeem(data, client_addresses.of(request))

    @post(
        "/device-token",
        status_code=200,
        summary="A fresh token for a paired device, with its id and secret (no sign-in)",
        description="While the device is paired and its account's sessions last (a new "
        "password, a freeze or « sign out everywhere » end its devices too); otherwise "
        "401 `invalid_device`, the same for an unknown device or a wrong secret. "
        "Throttled per client address like a sign-in (429 with `Retry-After`).",
    )
    async def device_token(
        self,
        request: AnyRequest,
        data: DeviceCredentials,
        pairing: Pairing,
        client_addresses: ClientAddresses,
    ) -> DeviceToken:
        return await pairing.refresh(data, client_addresses.of(request))
