"""The two kinds of bearer token, both JWTs signed with Ed25519 (EdDSA), never with a
secret every pod shares:

- a user token: `iss` the gateway's issuer (ENT_AUTH_ISSUER), `sub` the user id and the
  identity's fields; signed with the gateway's user-token key, which no other pod holds;
- a service token: `iss` = `sub` = "service:<caller>", `aud` the callee's service name,
  `scope` the one operation it may ask for; signed with the caller's own key, short-lived.

The verifier picks the key by the (unverified) `iss`, then checks everything with it: a
service token is never verified with the user-token key nor the other way round."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ent_kit import keys
from ent_kit.scopes import GRANTS
from ent_kit.settings import ServiceSettings

SERVICE_PREFIX = "service:"
# Tokens verified already, kept until they expire: a page of the web app sends the same
# token on many calls, each checked by the gateway and by the service it reaches.
MAX_VERIFIED = 10_000
PrivateKey = Ed25519PrivateKey | str  # a key object, or its PEM text


def _signing_key(key: PrivateKey) -> Ed25519PrivateKey:
    return keys.private_key(key) if isinstance(key, str) else key


def _timed(ttl: timedelta) -> dict[str, datetime]:
    now = datetime.now(UTC)
    return {"iat": now, "exp": now + ttl}


def issue_user_token(
    key: PrivateKey, issuer: str, subject: str, claims: Mapping[str, Any], ttl: timedelta
) -> str:
    if subject.startswith(SERVICE_PREFIX):
        raise ValueError("a user token cannot name a service")
    payload = {**claims, "sub": subject, "iss": issuer, **_timed(ttl)}
    return jwt.encode(payload, _signing_key(key), algorithm=keys.ALGORITHM)


def issue_service_token(
    key: PrivateKey, caller: str, audience: str, scope: str, ttl: timedelta
) -> str:
    name = SERVICE_PREFIX + caller
    payload = {"iss": name, "sub": name, "aud": audience, "scope": scope, **_timed(ttl)}
    return jwt.encode(payload, _signing_key(key), algorithm=keys.ALGORITHM)


class TokenVerifier:
    """What one service accepts: user tokens of `issuer` (if it has the user-token public
    key), and service tokens addressed to `audience` (itself) from the callers it has the
    public keys of."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        user_key: Ed25519PublicKey | None,
        peer_keys: Mapping[str, Ed25519PublicKey],
        grants: Mapping[str, frozenset[str]],
        clock: Callable[[], float] = time.time,
        max_verified: int = MAX_VERIFIED,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._user_key = user_key
        self._peer_keys = dict(peer_keys)
        self._grants = dict(grants)
        self._clock = clock
        self._max_verified = max_verified
        # Only tokens that passed every check get in; the keys and grants never change in
        # a process, so what passed once passes again until `exp`.
        self._verified: dict[str, dict[str, Any]] = {}

    def claims(self, encoded: str) -> dict[str, Any]:
        """The verified claims; `jwt.InvalidTokenError` for anything this service refuses.
        A token verified before is not verified again (an Ed25519 check and PyJWT's parsing
        cost more than the rest of a small request): only its expiry is."""
        known = self._verified.get(encoded)
        if known is not None:
            if known["exp"] > self._clock():
                return dict(known)
            del self._verified[encoded]
            raise jwt.ExpiredSignatureError("Signature has expired")
        claims = self._checked(encoded)
        claims["exp"] = int(claims["exp"])  # PyJWT takes a numeric string too
        if len(self._verified) >= self._max_verified:
            self._verified.clear()
        self._verified[encoded] = claims
        return dict(claims)

    def _checked(self, encoded: str) -> dict[str, Any]:
        issuer = jwt.decode(encoded, options={"verify_signature": False}).get("iss")
        if issuer == self._issuer and self._user_key is not None:
            return self._decode(encoded, self._user_key, issuer, None, [])
        if isinstance(issuer, str) and issuer.startswith(SERVICE_PREFIX):
            caller = issuer.removeprefix(SERVICE_PREFIX)
            key = self._peer_keys.get(caller)
            if key is not None:
                claims = self._decode(encoded, key, issuer, self._audience, ["aud", "scope"])
                if claims["sub"] != issuer or not isinstance(claims["scope"], str):
                    raise jwt.InvalidTokenError("a service token speaks for its issuer only")
                # A caller's key signs whatever it likes: what it may ask is decided here.
                if not set(claims["scope"].split()) <= self._grants.get(caller, frozenset()):
                    raise jwt.InvalidTokenError(f"{caller} is not granted {claims['scope']}")
                return claims
        raise jwt.InvalidIssuerError("no key for this issuer")

    @staticmethod
    def _decode(
        encoded: str,
        key: Ed25519PublicKey,
        issuer: str,
        audience: str | None,
        required: list[str],
    ) -> dict[str, Any]:
        # Without an expected audience PyJWT refuses any token that names one: a service
        # token never passes as a user token even under the same key.
        decoded: dict[str, Any] = jwt.decode(
            encoded,
            key,
            algorithms=[keys.ALGORITHM],
            issuer=issuer,
            audience=audience,
            options={"require": ["exp", "iat", "iss", "sub", *required]},
        )
        return decoded


def token_verifier(
    settings: ServiceSettings, grants: Mapping[str, frozenset[str]] | None = None
) -> TokenVerifier:
    """What a service accepts, from its settings (read when its app is built) and what its
    callers are granted (`ent_kit.scopes.GRANTS`, unless given)."""
    user_key = settings.user_token_public_key
    return TokenVerifier(
        issuer=settings.auth_issuer,
        audience=settings.service_name,
        user_key=keys.public_key(user_key) if user_key else None,
        peer_keys=keys.public_keys(settings.peer_public_keys),
        grants=GRANTS.get(settings.service_name, {}) if grants is None else grants,
    )
