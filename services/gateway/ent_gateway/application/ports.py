"""What the gateway needs from outside: accounts to sign people in, services to read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ent_contracts.directory_api import SignInAccount


class Accounts(Protocol):
    """The accounts the directory keeps. None: no such account, or a wrong password
    (the two are not told apart, so that logins cannot be probed)."""

    async def by_password(self, login: str, password: str) -> SignInAccount | None: ...

    async def by_login(self, login: str) -> SignInAccount | None: ...


class Unreachable(Exception):
    """A service did not answer: connection refused or broken, no pooled connection free."""


class ServiceAnswer(Protocol):
    @property
    def status(self) -> int: ...

    @property
    def body(self) -> Any:  # the JSON answered (None when it was not JSON)
        ...


class ServiceReader(Protocol):
    """GET a service's JSON as the caller (their own bearer token forwarded): the home
    page's reads. Raises Unreachable; a slow answer is cut by the caller's timeout."""

    async def get(
        self,
        service: str,
        path: str,
        params: Mapping[str, str | int],
        authorization: str,
        timeout_s: float,
    ) -> ServiceAnswer: ...
