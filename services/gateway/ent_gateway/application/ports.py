"""What the gateway needs from outside to sign people in."""

from __future__ import annotations

from typing import Protocol

from ent_contracts.directory_api import SignInAccount


class Accounts(Protocol):
    """The accounts the directory keeps. None: no such account, or a wrong password
    (the two are not told apart, so that logins cannot be probed)."""

    async def by_password(self, login: str, password: str) -> SignInAccount | None: ...

    async def by_login(self, login: str) -> SignInAccount | None: ...
