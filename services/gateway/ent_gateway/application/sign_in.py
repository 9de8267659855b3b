"""Signing in: an account the directory vouches for gets a bearer token.

Password sign-ins are throttled (`throttle.SignInThrottle`, per login and per client
address) and each outcome is logged as a security event: `security_event` "sign_in",
the login, the client address, the outcome (`success`, `failure`, `throttled`, `error`)
and the reason. Never the password."""

from __future__ import annotations

from datetime import timedelta

import msgspec
from ent_contracts.directory_api import SignInAccount
from ent_kit import texts as kit_texts
from ent_kit.auth import Identity, issue_token
from ent_kit.errors import NotFound, TooMany, Unauthenticated
from ent_kit.logging import get_logger
from ent_kit.tokens import PrivateKey

from ent_gateway import texts
from ent_gateway.application.ports import Accounts
from ent_gateway.application.throttle import SignInThrottle

log = get_logger("ent.gateway.sign_in")
MAX_LOGGED_LOGIN = 128  # a login field holding a pasted novel is not logged whole


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
        signing_key: PrivateKey,
        issuer: str,
        token_ttl: timedelta,
        dev_login: bool,
        throttle: SignInThrottle | None = None,
    ) -> None:
        self._accounts = accounts
        self._throttle = throttle
        self._signing_key = signing_key
        self._issuer = issuer
        self._ttl = token_ttl
        self._dev_login = dev_login

    async def with_password(self, login: str, password: str, client_address: str = "") -> SignedIn:
        """TooMany (429, Retry-After) while the login or the address must wait: then the
        directory is not asked, and no password is hashed."""
        event = {"login": login[:MAX_LOGGED_LOGIN], "client_address": client_address}
        attempt = None
        if self._throttle is not None:
            try:
                attempt = self._throttle.admit(login, client_address)
            except TooMany as refused:
                _security_event("throttled", refused.reason, **event)
                raise
        try:
            signed_in = self._signed_in(await self._accounts.by_password(login, password))
        except InvalidCredentials as refused:
            if attempt is not None and self._throttle is not None:
                self._throttle.failed(attempt)
            _security_event("failure", refused.reason, **event)
            raise
        except Exception as error:
            if attempt is not None and self._throttle is not None:
                self._throttle.withdraw(attempt)
            _security_event("error", type(error).__name__, **event)
            raise
        if attempt is not None and self._throttle is not None:
            self._throttle.succeeded(attempt)
        _security_event("success", "password", user_id=signed_in.user.user_id, **event)
        return signed_in

    async def as_demo_user(self, login: str) -> SignedIn:
        """Passwordless, for seeded demo users: only where the settings allow it (the
        embedded profile); elsewhere the door does not exist."""
        if not self._dev_login:
            raise NotFound("", "not_found", kit_texts.NOT_FOUND)
        return self._signed_in(await self._accounts.by_login(login))

    def for_account(self, account: SignInAccount | None, ttl: timedelta) -> SignedIn:
        """A token for an account vouched for otherwise (a paired device), lasting `ttl`:
        the same token a sign-in gives, with a lifetime of its own."""
        return self._signed_in(account, ttl)

    def _signed_in(self, account: SignInAccount | None, ttl: timedelta | None = None) -> SignedIn:
        # A departed or frozen account may not sign in (freezing also ends its sessions).
        if account is None or not account.active or account.frozen:
            raise InvalidCredentials()
        ttl = ttl or self._ttl
        identity = Identity(
            user_id=account.user_id,
            profile=account.profile,
            school_id=account.school_id,
            display_name=account.display_name,
            session_version=account.session_version,
        )
        token = issue_token(self._signing_key, self._issuer, identity, ttl)
        return SignedIn(access_token=token, expires_in=int(ttl.total_seconds()), user=identity)


def _security_event(outcome: str, reason: str, **fields: str) -> None:
    level = log.info if outcome == "success" else log.warning
    level("sign-in", security_event="sign_in", outcome=outcome, reason=reason, **fields)
