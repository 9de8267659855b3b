"""Service tokens: signed by the caller's own key, for one callee and one operation it is
granted; the routes that accept them, and the user tokens that never pass for them (nor
they for users). The callee here is "directory", as the platform grants it (GRANTS)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import msgspec
import pytest
from ent_gateway.settings import GatewaySettings
from ent_kit import keys
from ent_kit.auth import Identity, jwt_auth
from ent_kit.dev_keys import DevKeys
from ent_kit.http import create_app
from ent_kit.peers import PeerClient, PeerRejected
from ent_kit.problems import EXCEPTION_HANDLERS
from ent_kit.runtime import Runtime, ServiceDefinition
from ent_kit.scopes import (
    DIRECTORY_ACCOUNT,
    DIRECTORY_REACHABILITY,
    DIRECTORY_SIGN_IN,
    service_route,
)
from ent_kit.settings import ServiceSettings, SettingsError, load_settings
from ent_kit.tokens import TokenVerifier, issue_service_token, token_verifier
from kit_fixtures import TEST_KEYS
from litestar import Litestar, Request, get, post
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider

pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

CALLEE = "directory"
TEACHER = Identity(user_id="u-1", profile="teacher", school_id="s1", session_version=2)
Client = AsyncTestClient[Any]


class Caller(msgspec.Struct, frozen=True):
    user_id: str
    profile: str


@get("/me")
async def me(request: Request[Identity, Any, Any]) -> Caller:
    return Caller(request.user.user_id, request.user.profile)


@post("/internal/op", status_code=200, opt=service_route(DIRECTORY_SIGN_IN))
async def services_only(request: Request[Identity, Any, Any]) -> Caller:
    return Caller(request.user.user_id, request.user.profile)


@post("/shared", status_code=200, opt=service_route(DIRECTORY_REACHABILITY, users=True))
async def shared(request: Request[Identity, Any, Any]) -> Caller:
    return Caller(request.user.user_id, request.user.profile)


def callee_settings(**changes: Any) -> ServiceSettings:
    # Mail and the gateway may call this service; it holds their public keys, no other.
    callers = {
        name: keys.public_key_of(TEST_KEYS.service_keys[name]) for name in ("mail", "gateway")
    }
    fields: dict[str, Any] = {
        "service_name": CALLEE,
        "user_token_public_key": TEST_KEYS.user_token_public_key,
        "peer_public_keys": json.dumps(callers),
        **changes,
    }
    return ServiceSettings(**fields)


def callee_app() -> Any:
    definition = ServiceDefinition(
        name=CALLEE,
        controllers=[me, services_only, shared],
        uses_storage=False,
        uses_broker=False,
        uses_blobs=False,
    )
    return create_app(Runtime(definition, callee_settings(), TracerProvider()))


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with AsyncTestClient(callee_app()) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def service(scope: str, caller: str = "gateway", callee: str = CALLEE) -> dict[str, str]:
    return bearer(TEST_KEYS.service_token(caller, callee, scope))


USER = bearer(TEST_KEYS.user_token(TEACHER))
GATEWAY = {"user_id": "service:gateway", "profile": "service"}
MAIL = {"user_id": "service:mail", "profile": "service"}


def hand_built(key: str, **claims: Any) -> str:
    now = int(datetime.now(UTC).timestamp())
    payload = {
        "iss": "service:gateway",
        "sub": "service:gateway",
        "aud": CALLEE,
        "scope": DIRECTORY_SIGN_IN,
        "iat": now - 5,
        "exp": now + 60,
        **claims,
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, keys.private_key(key), algorithm="EdDSA")


# --- which token opens which route ------------------------------------------------------


async def test_a_service_token_opens_the_route_of_its_scope(client: Client) -> None:
    response = await client.post("/internal/op", headers=service(DIRECTORY_SIGN_IN))
    assert response.status_code == 200, response.text
    assert response.json() == GATEWAY


async def test_a_service_token_of_another_scope_is_forbidden(client: Client) -> None:
    # The gateway is granted both, but this token was made for the other operation.
    response = await client.post("/internal/op", headers=service(DIRECTORY_ACCOUNT))
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"


async def test_a_caller_cannot_grant_itself_an_operation(client: Client) -> None:
    # Mail's key is good here, for the reachability check only.
    granted = await client.post("/shared", headers=service(DIRECTORY_REACHABILITY, "mail"))
    assert granted.status_code == 200
    response = await client.post("/internal/op", headers=service(DIRECTORY_SIGN_IN, "mail"))
    assert response.status_code == 401


async def test_a_service_token_opens_no_user_route(client: Client) -> None:
    response = await client.get("/me", headers=service(DIRECTORY_SIGN_IN))
    assert response.status_code == 403


async def test_a_user_token_opens_no_route_reserved_to_services(client: Client) -> None:
    assert (await client.get("/me", headers=USER)).status_code == 200  # the token is good
    response = await client.post("/internal/op", headers=USER)
    assert response.status_code == 403
    assert response.json()["code"] == "services_only"


async def test_a_route_for_users_and_services_takes_both(client: Client) -> None:
    as_user = await client.post("/shared", headers=USER)
    as_service = await client.post("/shared", headers=service(DIRECTORY_REACHABILITY, "mail"))
    assert as_user.json() == {"user_id": "u-1", "profile": "teacher"}
    assert as_service.json() == MAIL
    assert (await client.post("/shared", headers=service(DIRECTORY_SIGN_IN))).status_code == 403


GATEWAY_KEY = TEST_KEYS.service_keys["gateway"]
MAIL_KEY = TEST_KEYS.service_keys["mail"]
LOCKER_KEY = TEST_KEYS.service_keys["locker"]


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            TEST_KEYS.service_token("gateway", "locker", DIRECTORY_SIGN_IN), id="other-callee"
        ),
        # Locker may call the directory, but not this one: it has no key of locker's.
        pytest.param(
            TEST_KEYS.service_token("locker", CALLEE, DIRECTORY_REACHABILITY), id="not-a-caller"
        ),
        pytest.param(hand_built(LOCKER_KEY), id="signed-by-another-service"),
        pytest.param(hand_built(TEST_KEYS.user_token_key), id="signed-with-the-user-key"),
        pytest.param(hand_built(GATEWAY_KEY, sub="service:mail"), id="speaks-for-another"),
        pytest.param(hand_built(GATEWAY_KEY, sub="u-1"), id="speaks-for-a-user"),
        pytest.param(hand_built(GATEWAY_KEY, scope=None), id="no-scope"),
        pytest.param(hand_built(GATEWAY_KEY, aud=None), id="no-audience"),
        pytest.param(hand_built(GATEWAY_KEY, exp=int(datetime.now(UTC).timestamp()) - 5), id="old"),
        # A user token signed by a service: only the gateway's key makes user tokens.
        pytest.param(
            hand_built(GATEWAY_KEY, iss="ent-gateway", sub="u-1", aud=None), id="forged-user"
        ),
    ],
)
async def test_service_tokens_this_service_does_not_accept_are_401(
    client: Client, token: str
) -> None:
    response = await client.post("/internal/op", headers=bearer(token))
    assert response.status_code == 401, response.text


# --- the calling side -------------------------------------------------------------------


def mail_settings(**changes: Any) -> ServiceSettings:
    return ServiceSettings(service_name="mail", service_signing_key=MAIL_KEY, **changes)


async def test_a_peer_call_carries_a_token_for_the_callee_and_the_operation() -> None:
    transport = httpx.ASGITransport(app=callee_app())
    peer = PeerClient("http://directory", mail_settings(), callee=CALLEE, transport=transport)
    try:
        answer = await peer.call("POST", "/shared", Caller, scope=DIRECTORY_REACHABILITY)
        with pytest.raises(PeerRejected) as refused:
            await peer.call("POST", "/internal/op", Caller, scope=DIRECTORY_REACHABILITY)
    finally:
        await peer.close()
    assert answer == Caller("service:mail", "service")
    assert refused.value.status == 403


async def test_a_peer_call_names_its_operation() -> None:
    peer = PeerClient("http://directory", mail_settings(), callee=CALLEE)
    try:
        with pytest.raises(ValueError, match="scope"):
            await peer.call("POST", "/internal/op", Caller)
    finally:
        await peer.close()


def test_a_service_without_a_signing_key_cannot_call_peers() -> None:
    with pytest.raises(SettingsError, match="ENT_SERVICE_SIGNING_KEY"):
        PeerClient("http://directory", ServiceSettings(service_name="mail"), callee=CALLEE)


def test_a_service_token_is_signed_with_the_callers_own_key() -> None:
    scope = DIRECTORY_REACHABILITY
    token = issue_service_token(MAIL_KEY, "mail", CALLEE, scope, timedelta(minutes=1))
    claims = token_verifier(callee_settings()).claims(token)
    assert (claims["iss"], claims["sub"], claims["aud"]) == ("service:mail",) * 2 + (CALLEE,)
    assert claims["scope"] == scope
    assert claims["exp"] - claims["iat"] == 60


# --- sessions ---------------------------------------------------------------------------


class Sessions:
    """Current: version 2 of every account. Remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    async def is_current(self, user_id: str, session_version: int) -> bool:
        self.asked.append((user_id, session_version))
        return session_version == 2


async def test_a_user_token_of_an_ended_session_is_401() -> None:
    sessions = Sessions()
    auth = jwt_auth(token_verifier(callee_settings()), sessions=sessions)
    app = Litestar(
        [me, services_only], on_app_init=[auth.on_app_init], exception_handlers=EXCEPTION_HANDLERS
    )
    old = TEST_KEYS.user_token(Identity(user_id="u-1", profile="teacher", session_version=1))
    async with AsyncTestClient(app) as test_client:
        assert (await test_client.get("/me", headers=USER)).status_code == 200
        assert (await test_client.get("/me", headers=bearer(old))).status_code == 401
        # Service tokens are no sessions: the gate is not asked about them.
        response = await test_client.post("/internal/op", headers=service(DIRECTORY_SIGN_IN))
        assert response.status_code == 200
    assert sessions.asked == [("u-1", 2), ("u-1", 1)]


# --- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ENT_USER_TOKEN_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"),
        ("ENT_USER_TOKEN_PUBLIC_KEY", MAIL_KEY),  # a private key where the public one goes
        ("ENT_SERVICE_SIGNING_KEY", TEST_KEYS.user_token_public_key),
        ("ENT_PEER_PUBLIC_KEYS", "mail=abc"),
        ("ENT_PEER_PUBLIC_KEYS", json.dumps({"mail": "not a key"})),
    ],
)
def test_an_unreadable_key_stops_the_service_naming_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings(ServiceSettings, {"ENT_SERVICE_NAME": "mail", variable: value})


def test_the_settings_hold_no_shared_secret() -> None:
    fields = {f.name for f in msgspec.structs.fields(ServiceSettings)}
    assert "auth_secret" not in fields
    with pytest.raises(TypeError):
        ServiceSettings(service_name="mail", auth_secret="s" * 32)  # type: ignore[call-arg]


# --- the development key set ------------------------------------------------------------


def test_each_service_gets_its_own_key_and_only_its_callers_public_keys() -> None:
    directory = TEST_KEYS.settings("directory")
    schoollife = TEST_KEYS.settings("schoollife")
    assert set(json.loads(directory["peer_public_keys"])) == {"gateway", "mail", "locker"}
    assert json.loads(schoollife["peer_public_keys"]) == {}
    assert directory["service_signing_key"] == TEST_KEYS.service_keys["directory"]
    assert "user_token_signing_key" in TEST_KEYS.settings("gateway")
    others = [n for n in TEST_KEYS.service_keys if n != "gateway"]
    assert all("user_token_signing_key" not in TEST_KEYS.settings(n) for n in others)
    assert "receipt_key" in TEST_KEYS.settings("locker")
    assert "receipt_key" not in directory


def test_the_devstack_keys_are_kept_readable_by_their_owner_only(tmp_path: Path) -> None:
    first = DevKeys.kept_in(tmp_path / "keys")
    again = DevKeys.kept_in(tmp_path / "keys")
    assert first == again
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "keys").iterdir()} == {0o600}


def test_the_gateway_needs_its_signing_key_and_its_public_half() -> None:
    base = {"ENT_SERVICE_NAME": "gateway", "ENT_UPSTREAMS": "directory=http://d:1"}
    own = TEST_KEYS.environ("gateway")
    assert load_settings(GatewaySettings, {**base, **own}).user_token_signing_key
    missing = {k: v for k, v in own.items() if k != "ENT_USER_TOKEN_SIGNING_KEY"}
    with pytest.raises(SettingsError, match="ENT_USER_TOKEN_SIGNING_KEY"):
        load_settings(GatewaySettings, {**base, **missing})
    other_pair = {**own, "ENT_USER_TOKEN_SIGNING_KEY": keys.new_private_key()}
    with pytest.raises(SettingsError, match="not the public half"):
        load_settings(GatewaySettings, {**base, **other_pair})


# --- tokens verified once, until they expire ----------------------------------------------


def directory_verifier(clock: Any = None, max_verified: int = 10) -> TokenVerifier:
    settings = ServiceSettings(service_name=CALLEE, **TEST_KEYS.settings(CALLEE))
    verifier = token_verifier(settings)
    return TokenVerifier(
        issuer=settings.auth_issuer,
        audience=CALLEE,
        user_key=keys.public_key(settings.user_token_public_key),
        peer_keys=keys.public_keys(settings.peer_public_keys),
        grants=verifier._grants,
        clock=clock or (lambda: datetime.now(UTC).timestamp()),
        max_verified=max_verified,
    )


def test_a_verified_token_passes_again_until_it_expires() -> None:
    now = [datetime.now(UTC).timestamp()]
    verifier = directory_verifier(clock=lambda: now[0])
    token = TEST_KEYS.service_token("gateway", CALLEE, DIRECTORY_SIGN_IN, timedelta(minutes=1))

    first = verifier.claims(token)
    first["scope"] = "tampered"  # the caller's copy: the kept claims are not touched
    again = verifier.claims(token)

    assert again["scope"] == DIRECTORY_SIGN_IN
    now[0] += 61
    with pytest.raises(jwt.ExpiredSignatureError):
        verifier.claims(token)


def test_a_refused_token_stays_refused_beside_a_verified_one() -> None:
    verifier = directory_verifier()
    good = hand_built(GATEWAY_KEY)
    header, payload, signature = good.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"

    verifier.claims(good)

    for _ in range(2):
        with pytest.raises(jwt.InvalidTokenError):
            verifier.claims(forged)


def test_the_verified_tokens_kept_are_bounded() -> None:
    verifier = directory_verifier(max_verified=2)
    tokens = [hand_built(GATEWAY_KEY, iat=int(datetime.now(UTC).timestamp()) - i) for i in range(5)]

    for token in tokens:
        assert verifier.claims(token)["sub"] == "service:gateway"

    assert len(verifier._verified) <= 2
