"""Signing in: an account the directory vouches for gets a bearer token."""

from __future__ import annotations

from datetime import timedelta

import msgspec
from ent_contracts.directory_api import SignInAccount
from ent_kit import texts as kit_texts
from ent_kit.auth import Identity, issue_token
from ent_kit.errors import NotFound, Unauthenticated

from ent_gateway import texts
from ent_gateway.application.ports import Accounts


class SignedIn(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    user: Identity


class InvalidCredentials(Unauthenticated):
    """Unknown login, wrong password or departed account, refused alike."""

    def __init__(self) -> None:
        super().__init__("login", "invalid_credentials", texts.INVALID_CREDENTIALS)


class SignIn:
    def __init__(
        self,
        accounts: Accounts,
        *,
        secret: str,
        issuer: str,
        token_ttl: timedelta,
        dev_login: bool,
    ) -> None:
        self._accounts = accounts
        self._secret = secret
        self._issuer = issuer
        self._ttl = token_ttl
        self._dev_login = dev_login

    async def with_password(self, login: str, password: str) -> SignedIn:
        return self._signed_in(await self._accounts.by_password(login, password))

    async def as_demo_user(self, login: str) -> SignedIn:
        """Passwordless, for seeded demo users: only where the settings allow it (the
        embedded profile); elsewhere the door does not exist."""
        if not self._dev_login:
            raise NotFound("", "not_found", kit_texts.NOT_FOUND)
        return self._signed_in(await self._accounts.by_login(login))

    def _signed_in(self, account: SignInAccount | None) -> SignedIn:
        # A frozen account may sign in to read (its sends are refused); a departed one may not.
        if account is None or not account.active:
            raise InvalidCredentials()
        identity = Identity(
            user_id=account.user_id,
            profile=account.profile,
            school_id=account.school_id,
            display_name=account.display_name,
        )
        token = issue_token(self._secret, self._issuer, identity, self._ttl)
        return SignedIn(
            access_token=token, expires_in=int(self._ttl.total_seconds()), user=identity
        )
