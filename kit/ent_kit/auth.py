"""Signed identity: the gateway issues user tokens, services issue each other scoped
service tokens, and every service verifies both itself (`ent_kit.tokens`: Ed25519, the
user-token public key and its callers' public keys; no shared secret).

Services never trust an unsigned header: the bearer token is forwarded unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, Protocol

import msgspec
from ent_contracts import Actor
from litestar.connection import ASGIConnection
from litestar.security.jwt import JWTAuth, Token
from litestar.security.jwt.token import JWTDecodeOptions

from ent_kit.scopes import check_token_kind
from ent_kit.tokens import SERVICE_PREFIX, PrivateKey, TokenVerifier, issue_user_token

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


class SessionGate(Protocol):
    """Whether a user's session (the account's session version in their token) still
    holds: a later version (password change, sign-out everywhere) ends older tokens."""

    async def is_current(self, user_id: str, session_version: int) -> bool: ...


def identity_from_token(token: Token) -> Identity | None:
    """Who a verified token speaks for. A service token's identity is built from its
    issuer alone; a user token may not claim to be a service."""
    if token.iss is not None and token.iss.startswith(SERVICE_PREFIX):
        return service_identity(token.iss.removeprefix(SERVICE_PREFIX))
    if token.sub.startswith(SERVICE_PREFIX):
        return None
    try:
        identity = msgspec.convert({"user_id": token.sub, **token.extras}, Identity)
    except msgspec.ValidationError:
        return None
    return None if identity.is_service else identity


def _token_class(verifier: TokenVerifier) -> type[Token]:
    """Litestar's Token, verified by `verifier` (which key depends on the issuer) instead
    of with one secret and one algorithm."""

    @dataclass
    class VerifiedToken(Token):
        @classmethod
        def decode_payload(
            cls,
            encoded_token: str,
            secret: str,
            algorithms: list[str],
            issuer: str | Sequence[str] | None = None,
            audience: str | Sequence[str] | None = None,
            options: JWTDecodeOptions | None = None,
        ) -> Any:
            return verifier.claims(encoded_token)

    return VerifiedToken


def jwt_auth(
    verifier: TokenVerifier,
    exclude: list[str] | None = None,
    sessions: SessionGate | None = None,
) -> JWTAuth[Identity, Token]:
    """Bearer tokens on every route but the public ones; `sessions`, when given, ends user
    tokens of a session that is no longer current (service tokens are not sessions)."""

    async def retrieve(
        token: Token, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> Identity | None:
        identity = identity_from_token(token)
        if identity is None:
            return None
        check_token_kind(identity.is_service, token, connection.route_handler)
        if identity.is_service or sessions is None:
            return identity
        current = await sessions.is_current(identity.user_id, identity.session_version)
        return identity if current else None

    return JWTAuth[Identity, Token](
        retrieve_user_handler=retrieve,
        # Never used: decoding is VerifiedToken's, and this configuration signs nothing.
        token_secret="",
        algorithm="EdDSA",
        token_cls=_token_class(verifier),
        exclude=_prefix_patterns([*PUBLIC_PATHS, *(exclude or [])]),
        # Litestar lets HEAD through unauthenticated by default; a HEAD can read (tus asks
        # an upload's offset with it). OPTIONS (a CORS preflight) carries no token.
        exclude_http_methods=["OPTIONS"],
        description=(
            "Bearer token: a user's, issued by the gateway (dev login in embedded mode), or"
            " a service's, scoped to one operation of this service."
        ),
    )


def issue_token(key: PrivateKey, issuer: str, identity: Identity, ttl: timedelta) -> str:
    """A user token (the gateway's user-token private key: only the gateway has it)."""
    if identity.is_service:
        raise ValueError("services call each other with service tokens (ent_kit.peers)")
    claims = msgspec.to_builtins(identity)
    subject = claims.pop("user_id")
    return issue_user_token(key, issuer, subject, claims, ttl)


def service_identity(service_name: str) -> Identity:
    return Identity(
        user_id=f"{SERVICE_PREFIX}{service_name}", profile="service", display_name=service_name
    )
