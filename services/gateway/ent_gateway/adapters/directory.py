"""The directory vouches for accounts: the gateway asks its internal sign-in API, and the
exchanges of mobile pairing."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

import httpx
import msgspec
from ent_contracts.directory_api import (
    ACCOUNT_PATH,
    DEVICE_TOKEN_PATH,
    PAIRING_REDEEM_PATH,
    SIGN_IN_PATH,
    DeviceCredentials,
    PairedDevice,
    PairingRedemption,
    PasswordCheck,
    SignInAccount,
)
from ent_kit.errors import Refused
from ent_kit.peers import PeerClient, PeerRejected, PeerUnavailable
from ent_kit.scopes import DIRECTORY_ACCOUNT, DIRECTORY_SIGN_IN

from ent_gateway.adapters.upstreams import Upstreams
from ent_gateway.application.pairing import DirectoryRefused, IssuedCode

# The directory's public route for a signed-in user's pairing code.
PAIRING_CODES_PATH: Final = "/directory/pairing-codes"

# The directory answers 401 for a wrong password, 404 for an unknown login.
_NO_SUCH_ACCOUNT = (401, 404)


class DirectoryAccounts:
    """`directory` is None when the gateway has no directory upstream: nobody signs in."""

    def __init__(self, directory: PeerClient | None) -> None:
        self._directory = directory

    async def by_password(self, login: str, password: str) -> SignInAccount | None:
        check = PasswordCheck(login=login, password=password)
        return await self._account("POST", SIGN_IN_PATH, DIRECTORY_SIGN_IN, check)

    async def by_login(self, login: str) -> SignInAccount | None:
        path = ACCOUNT_PATH.format(login=quote(login, safe=""))
        return await self._account("GET", path, DIRECTORY_ACCOUNT)

    async def _account(
        self, method: str, path: str, scope: str, body: Any = None
    ) -> SignInAccount | None:
        if self._directory is None:
            raise PeerUnavailable("no directory among the gateway's upstreams")
        try:
            return await self._directory.call(method, path, SignInAccount, body, scope=scope)
        except PeerRejected as rejected:
            if rejected.status in _NO_SUCH_ACCOUNT:
                return None
            raise


class DirectoryPairing:
    """Mobile pairing's side in the directory: a code asked with the user's own token
    (through the gateway's pooled client), the exchanges with a service token."""

    def __init__(self, directory: PeerClient | None, upstreams: Upstreams) -> None:
        self._directory = directory
        self._upstreams = upstreams

    async def new_code(self, authorization: str) -> IssuedCode:
        base = self._upstreams.url("directory")
        if base is None:
            raise PeerUnavailable("no directory among the gateway's upstreams")
        try:
            response = await self._upstreams.client.post(
                f"{base}{PAIRING_CODES_PATH}",
                headers={"authorization": authorization, "accept": "application/json"},
            )
        except httpx.TransportError as exc:
            raise PeerUnavailable(f"directory: {exc!r}") from exc
        if response.status_code >= 500:
            raise PeerUnavailable(f"directory: HTTP {response.status_code}")
        if response.status_code != 201:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise DirectoryRefused(response.status_code, body if isinstance(body, dict) else {})
        return msgspec.json.decode(response.content, type=IssuedCode)

    async def redeem(self, redemption: PairingRedemption) -> PairedDevice:
        try:
            return await self._peer().call(
                "POST", PAIRING_REDEEM_PATH, PairedDevice, redemption, scope=DIRECTORY_SIGN_IN
            )
        except PeerRejected as rejected:
            error = rejected.first_error()
            if rejected.status == 400 and error:
                raise Refused(
                    str(error.get("field", "code")),
                    str(error.get("reason", "invalid_code")),
                    str(error.get("message", "")),
                ) from None
            raise

    async def device_account(self, credentials: DeviceCredentials) -> SignInAccount | None:
        try:
            return await self._peer().call(
                "POST", DEVICE_TOKEN_PATH, SignInAccount, credentials, scope=DIRECTORY_SIGN_IN
            )
        except PeerRejected as rejected:
            if rejected.status in _NO_SUCH_ACCOUNT:
                return None
            raise

    def _peer(self) -> PeerClient:
        if self._directory is None:
            raise PeerUnavailable("no directory among the gateway's upstreams")
        return self._directory
