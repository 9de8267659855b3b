"""The directory vouches for accounts: the gateway asks its internal sign-in API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ent_contracts.directory_api import ACCOUNT_PATH, SIGN_IN_PATH, PasswordCheck, SignInAccount
from ent_kit.peers import PeerClient, PeerRejected, PeerUnavailable
from ent_kit.scopes import DIRECTORY_ACCOUNT, DIRECTORY_SIGN_IN

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
