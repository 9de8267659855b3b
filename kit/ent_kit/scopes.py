"""Which operation a service token may ask for, and which routes serve service tokens.

A route that services call declares its scope: `opt=service_route(scopes.X)` on the
handler (or the controller). The authentication (`check_token_kind`) then lets through:
- a service token only on a route that declares a scope, and only if it carries it;
- a user token anywhere but on routes reserved to services (`users=False`, the default
  of `service_route`).
So a token minted for one operation opens that one and nothing else, and a user's token
never opens a route meant for services."""

from __future__ import annotations

from typing import Any, Final

from litestar.handlers.base import BaseRouteHandler

from ent_kit import texts
from ent_kit.errors import Forbidden

# The operations one service asks of another: "<callee>:<operation>".
DIRECTORY_SIGN_IN: Final = "directory:sign_in"  # the gateway checks a password
DIRECTORY_ACCOUNT: Final = "directory:account"  # the gateway reads an account (dev login)
DIRECTORY_REACHABILITY: Final = "directory:reachability"  # mail, locker: who may write to whom
MAIL_SYSTEM_MESSAGE: Final = "mail:system_message"  # a service sends a « Message ENT »
MAIL_EXTERNAL_EMAIL: Final = "mail:external_email"  # transfer e-mails a link to addresses

SCOPE_OPT: Final = "service_scope"
USERS_OPT: Final = "users_too"

# Shown to whoever reaches a route with the wrong kind of token (French, like every text).


def service_route(scope: str, *, users: bool = False) -> dict[str, Any]:
    """The `opt` of a route services call with a token of `scope`; `users=True` when users
    call it too (with their own token)."""
    return {SCOPE_OPT: scope, USERS_OPT: users}


def token_scopes(auth: Any) -> list[str]:
    """The scopes a verified service token carries (space-separated, as in OAuth)."""
    extras = getattr(auth, "extras", None)
    scope = extras.get("scope") if isinstance(extras, dict) else None
    return scope.split() if isinstance(scope, str) else []


def check_token_kind(is_service: bool, auth: Any, route: BaseRouteHandler) -> None:
    """Raises Forbidden unless this kind of token may use `route` (see above). Run by the
    authentication (`ent_kit.auth`), not as a Litestar guard: Litestar hands a guard a
    fresh copy of the route handler on every request (19 us measured)."""
    wanted = route.opt.get(SCOPE_OPT)
    if is_service:
        if wanted is None or wanted not in token_scopes(auth):
            raise Forbidden("", "scope_missing", texts.NOT_FOR_SERVICES)
    elif wanted is not None and not route.opt.get(USERS_OPT, False):
        raise Forbidden("", "services_only", texts.SERVICES_ONLY)


# What each service may ask of each other, by callee then caller: a caller's token for an
# operation it is not granted is refused, whatever its key. The callee holds the public
# keys of these callers only (the devstack; the chart's global.serviceKeys.callers).
GRANTS: Final[dict[str, dict[str, frozenset[str]]]] = {
    "directory": {
        "gateway": frozenset({DIRECTORY_SIGN_IN, DIRECTORY_ACCOUNT}),
        "mail": frozenset({DIRECTORY_REACHABILITY}),
        "locker": frozenset({DIRECTORY_REACHABILITY}),
    },
    "mail": {
        "transfer": frozenset({MAIL_EXTERNAL_EMAIL}),
    },
}


def callers_of(service: str) -> tuple[str, ...]:
    return tuple(GRANTS.get(service, {}))
