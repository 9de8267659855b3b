"""Mobile pairing (seed 002 §II-4, « Flasher le QR code généré par la version en ligne »).

The gateway keeps nothing: the directory owns pairing codes and devices. Here:
- the signed-in web page asks the directory for a one-time code, with the user's own
  token, and gets it back with the QR code to show: an SVG (`segno`) of the URI
  `ent-pairing:<gateway URL>?code=<code>`, which tells the mobile app where to go and what
  to redeem there;
- a mobile client redeems the code (public: the code is the credential) for a device id,
  a device secret and a token;
- a device's secret gets a fresh token while the device is paired (public too).

Device tokens are the very tokens a sign-in gives, with a short lifetime of their own: an
unpaired device is refused at its next refresh, and its last token dies within minutes.
Redemptions and refreshes are throttled like password sign-ins, per client address, each
outcome logged as a security event, never with a code or a secret."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode

import msgspec
import segno
from ent_contracts.directory_api import (
    DeviceCredentials,
    PairedDevice,
    PairingRedemption,
    SignInAccount,
)
from ent_kit.errors import DomainError, TooMany, Unauthenticated
from ent_kit.logging import get_logger

from ent_gateway import texts
from ent_gateway.application.sign_in import SignIn
from ent_gateway.application.throttle import Attempt, SignInThrottle

URI_SCHEME = "ent-pairing"
QR_SCALE = 4  # pixels per module: about 150 px for a code's URI, crisp when scaled up
log = get_logger("ent.gateway.pairing")
T = TypeVar("T")


class DirectoryRefused(Exception):
    """The directory refused the user's own request (401 session over, 409 too many
    devices…): its answer is the gateway's."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body


class IssuedCode(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    expires_at: datetime


class DevicePairing(Protocol):
    """The directory's side. `new_code` as the user (their bearer token), raising
    DirectoryRefused; `redeem` raising the directory's refusal (`ent_kit.errors`);
    `device_account` None for a device it does not vouch for."""

    async def new_code(self, authorization: str) -> IssuedCode: ...

    async def redeem(self, redemption: PairingRedemption) -> PairedDevice: ...

    async def device_account(self, credentials: DeviceCredentials) -> SignInAccount | None: ...


class PairingQr(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    expires_at: datetime
    uri: str  # what the QR code holds
    qr_svg: str  # a standalone SVG document (an <img> source, or inline)


class DeviceSignedIn(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    device_secret: str  # shown once: the device keeps it to get its next tokens
    token: str
    expires_at: datetime


class DeviceToken(msgspec.Struct, frozen=True, kw_only=True):
    token: str
    expires_at: datetime


class InvalidDevice(Unauthenticated):
    """Unknown device, wrong secret, unpaired, or its account's sessions ended: alike."""

    def __init__(self) -> None:
        super().__init__("device_secret", "invalid_device", texts.INVALID_DEVICE)


def pairing_uri(base_url: str, code: str) -> str:
    return f"{URI_SCHEME}:{base_url.rstrip('/')}?{urlencode({'code': code})}"


def qr_svg(content: str) -> str:
    out = io.BytesIO()
    segno.make(content, error="m").save(
        out, kind="svg", scale=QR_SCALE, xmldecl=False, title=texts.PAIRING_QR_TITLE
    )
    return out.getvalue().decode()


class Pairing:
    def __init__(
        self,
        directory: DevicePairing,
        sign_in: SignIn,
        *,
        device_token_ttl: timedelta,
        public_url: str = "",
        throttle: SignInThrottle | None = None,
    ) -> None:
        self._directory = directory
        self._sign_in = sign_in
        self._ttl = device_token_ttl
        self._public_url = public_url
        self._throttle = throttle

    async def qr(self, authorization: str, request_base_url: str) -> PairingQr:
        """A new code for the signed-in caller, with its QR code."""
        issued = await self._directory.new_code(authorization)
        uri = pairing_uri(self._public_url or request_base_url, issued.code)
        return PairingQr(
            code=issued.code, expires_at=issued.expires_at, uri=uri, qr_svg=qr_svg(uri)
        )

    async def redeem(self, redemption: PairingRedemption, address: str) -> DeviceSignedIn:
        # Per address: a guesser varies the code (or the device), so neither is the key.
        attempt = self._admit("redeem", address)
        paired = await self._judged(
            "redeem", attempt, address, lambda: self._directory.redeem(redemption)
        )
        issued_at = _whole_second()  # never after the token's own `exp`
        signed_in = self._sign_in.for_account(paired.account, self._ttl)
        self._succeeded("redeem", attempt, address, paired.account.user_id, paired.device_id)
        return DeviceSignedIn(
            device_id=paired.device_id,
            device_secret=paired.device_secret,
            token=signed_in.access_token,
            expires_at=issued_at + self._ttl,
        )

    async def refresh(self, credentials: DeviceCredentials, address: str) -> DeviceToken:
        attempt = self._admit("device_token", address)

        async def account() -> SignInAccount:
            found = await self._directory.device_account(credentials)
            if found is None or not found.active or found.frozen:
                raise InvalidDevice()
            return found

        vouched = await self._judged("device_token", attempt, address, account)
        issued_at = _whole_second()
        signed_in = self._sign_in.for_account(vouched, self._ttl)
        self._succeeded("device_token", attempt, address, vouched.user_id, credentials.device_id)
        return DeviceToken(token=signed_in.access_token, expires_at=issued_at + self._ttl)

    def _admit(self, kind: str, address: str) -> Attempt | None:
        if self._throttle is None:
            return None
        try:
            # The throttle's "login" is the kind and the address: a success of one kind
            # resets its own count only, and the address counts every kind.
            return self._throttle.admit(f"{kind}:{address}", address)
        except TooMany as refused:
            _security_event(kind, "throttled", refused.reason, client_address=address)
            raise

    async def _judged(
        self,
        kind: str,
        attempt: Attempt | None,
        address: str,
        ask: Callable[[], Awaitable[T]],
    ) -> T:
        """The directory's verdict; a refusal counts as a failed attempt, an outage not."""
        try:
            return await ask()
        except DomainError as refused:
            if attempt is not None and self._throttle is not None:
                self._throttle.failed(attempt)
            _security_event(kind, "failure", refused.reason, client_address=address)
            raise
        except Exception as error:
            if attempt is not None and self._throttle is not None:
                self._throttle.withdraw(attempt)
            _security_event(kind, "error", type(error).__name__, client_address=address)
            raise

    def _succeeded(
        self, kind: str, attempt: Attempt | None, address: str, user_id: str, device_id: str
    ) -> None:
        if attempt is not None and self._throttle is not None:
            self._throttle.succeeded(attempt)
        _security_event(
            kind, "success", kind, client_address=address, user_id=user_id, device_id=device_id
        )


def _whole_second() -> datetime:
    """Now, down to the second: a token's `exp` is in whole seconds, read before it is
    issued, so the `expires_at` answered is never after the token's own."""
    return datetime.now(UTC).replace(microsecond=0)


def _security_event(kind: str, outcome: str, reason: str, **fields: str) -> None:
    level = log.info if outcome == "success" else log.warning
    level("pairing", security_event=f"pairing_{kind}", outcome=outcome, reason=reason, **fields)
