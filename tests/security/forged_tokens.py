"""An expired token, signed the way the gateway signs a user's, with the stack's own key.
The one place that knows how the tests forge a token: the stack's dev keys (Ed25519,
`Stack.keys`) when it has them, else the HS256 shared secret (`Stack.auth_secret`) of the
stacks before them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import msgspec
from ent_devstack.stack import Stack
from ent_kit.auth import Identity

EXPIRED = timedelta(hours=-1)


def expired_user_token(stack: Stack, identity: Identity) -> str:
    """A token for `identity` that expired an hour ago."""
    keys: Any = getattr(stack, "keys", None)
    if keys is not None:
        return str(keys.user_token(identity, ttl=EXPIRED))
    claims = msgspec.to_builtins(identity)
    now = datetime.now(UTC)
    payload = {
        "sub": claims.pop("user_id"),
        "iss": "ent-gateway",
        "iat": int((now + 2 * EXPIRED).timestamp()),
        "exp": int((now + EXPIRED).timestamp()),
        "extras": claims,  # where litestar's Token keeps the identity
    }
    return jwt.encode(payload, stack.auth_secret(), algorithm="HS256")  # type: ignore[attr-defined]
