"""Signed identity: the gateway issues JWTs, every service verifies them itself.

Services never trust an unsigned header: the bearer token is forwarded unchanged and
checked with the shared secret (HS256) and the expected issuer.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec
from ent_contracts import Actor
from litestar.connection import ASGIConnection
from litestar.security.jwt import JWTAuth, Token

Profile = Literal["student", "parent", "teacher", "staff", "guest", "service"]


class Identity(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    profile: Profile
    school_id: str = ""
    display_name: str = ""
    # The account's session version when the token was issued (see ent_contracts
    # SignInAccount): a later version ends this session.
    session_version: int = 0

    @property
    def is_service(self) -> bool:
        return self.profile == "service"

    @property
    def actor(self) -> Actor:
        """Who the events this caller causes are recorded as."""
        return Actor(kind="system" if self.is_service else "user", id=self.user_id)


# Probes and scrapes carry no token. In a cluster /metrics has a port of its own
# (ENT_METRICS_PORT), which neither the Ingress nor the Services expose to clients.
PUBLIC_PATHS = ["/health", "/schema", "/metrics"]


def _prefix_patterns(paths: list[str]) -> list[str]:
    """Public paths are prefixes at segment boundaries. Litestar searches `exclude`
    patterns anywhere in the path, so unanchored "/health" would open "/x/health-records"."""
    return [f"^{re.escape(p.rstrip('/'))}(/|$)" for p in paths]


def identity_from_token(token: Token) -> Identity | None:
    try:
        return msgspec.convert({"user_id": token.sub, **token.extras}, Identity)
    except msgspec.ValidationError:
        return None


async def _retrieve_identity(
    token: Token, _: ASGIConnection[Any, Any, Any, Any]
) -> Identity | None:
    return identity_from_token(token)


def jwt_auth(
    secret: str, issuer: str, exclude: list[str] | None = None
) -> JWTAuth[Identity, Token]:
    return JWTAuth[Identity, Token](
        retrieve_user_handler=_retrieve_identity,
        token_secret=secret,
        accepted_issuers=[issuer],
        require_claims=["exp", "iss"],
        exclude=_prefix_patterns([*PUBLIC_PATHS, *(exclude or [])]),
        description="Bearer token issued by the gateway (dev login in embedded mode).",
    )


def issue_token(secret: str, issuer: str, identity: Identity, ttl: timedelta) -> str:
    extras = msgspec.to_builtins(identity)
    extras.pop("user_id")
    token = Token(
        sub=identity.user_id,
        exp=datetime.now(UTC) + ttl,
        iss=issuer,
        extras=extras,
    )
    return token.encode(secret=secret, algorithm="HS256")


def service_identity(service_name: str) -> Identity:
    return Identity(user_id=f"service:{service_name}", profile="service", display_name=service_name)
