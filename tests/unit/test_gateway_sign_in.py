"""Signing in at the gateway: who gets a token, who is refused, and alike; how the
directory's answers are read, and what the client is told."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import msgspec
import pytest
from ent_contracts.directory_api import SignInAccount
from ent_gateway.adapters.directory import DirectoryAccounts
from ent_gateway.application.sign_in import InvalidCredentials, SignIn
from ent_gateway.entrypoints.client_address import ClientAddresses
from ent_gateway.entrypoints.http import AuthController
from ent_kit import keys
from ent_kit.auth import Identity, identity_from_token
from ent_kit.errors import NotFound
from ent_kit.peers import PeerClient, PeerRejected, PeerUnavailable
from ent_kit.problems import EXCEPTION_HANDLERS
from ent_kit.scopes import GRANTS
from ent_kit.settings import ServiceSettings
from ent_kit.tokens import TokenVerifier
from kit_fixtures import TEST_KEYS
from litestar import Litestar
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import Token
from litestar.testing import AsyncTestClient

# Controllers are written the way the services write them (inferred `data`, dependencies).
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

ISSUER = "ent-test"
PASSWORD = "correct horse"


def account(login: str, *, active: bool = True, frozen: bool = False) -> SignInAccount:
    return SignInAccount(
        user_id=f"id-{login}",
        login=login,
        display_name="Lucas Martin",
        profile="student",
        school_id="school-1",
        active=active,
        frozen=frozen,
        session_version=3,
    )


class FakeAccounts:
    def __init__(self, *accounts: SignInAccount) -> None:
        self._accounts = {a.login: a for a in accounts}

    async def by_password(self, login: str, password: str) -> SignInAccount | None:
        return self._accounts.get(login) if password == PASSWORD else None

    async def by_login(self, login: str) -> SignInAccount | None:
        return self._accounts.get(login)


ACCOUNTS = FakeAccounts(
    account("lucas.martin"),
    account("gele.compte", frozen=True),
    account("parti.compte", active=False),
)


def sign_in(*, dev_login: bool = False) -> SignIn:
    ttl = timedelta(hours=2)
    key = TEST_KEYS.user_token_key
    return SignIn(ACCOUNTS, signing_key=key, issuer=ISSUER, token_ttl=ttl, dev_login=dev_login)


async def test_a_good_password_gets_a_token_naming_the_account() -> None:
    signed_in = await sign_in().with_password("lucas.martin", PASSWORD)

    expected = Identity(
        user_id="id-lucas.martin",
        profile="student",
        school_id="school-1",
        display_name="Lucas Martin",
        session_version=3,
    )
    assert signed_in.user == expected
    assert signed_in.expires_in == 7200
    assert signed_in.token_type == "Bearer"
    # Anyone with the public key can check it; it is signed with the gateway's private key.
    public_key = TEST_KEYS.user_token_public_key
    token = Token.decode(signed_in.access_token, secret=public_key, algorithm="EdDSA")
    assert token.iss == ISSUER
    assert identity_from_token(token) == expected
    with pytest.raises(NotAuthorizedException):
        Token.decode(signed_in.access_token, secret="s" * 32, algorithm="HS256")


async def test_a_frozen_account_may_not_sign_in() -> None:
    with pytest.raises(InvalidCredentials):
        await sign_in().with_password("gele.compte", PASSWORD)


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("lucas.martin", "wrong"),  # wrong password
        ("nobody.here", PASSWORD),  # unknown login
        ("parti.compte", PASSWORD),  # the person has left
    ],
)
async def test_wrong_unknown_and_departed_are_refused_alike(login: str, password: str) -> None:
    with pytest.raises(InvalidCredentials) as refused:
        await sign_in().with_password(login, password)

    assert (refused.value.field, refused.value.reason) == ("login", "invalid_credentials")
    assert refused.value.message == "Identifiant ou mot de passe incorrect"


async def test_dev_login_signs_in_a_demo_user_without_password_when_allowed() -> None:
    signed_in = await sign_in(dev_login=True).as_demo_user("lucas.martin")

    assert signed_in.user.user_id == "id-lucas.martin"


@pytest.mark.parametrize("login", ["nobody.here", "parti.compte"])
async def test_dev_login_refuses_unknown_and_departed(login: str) -> None:
    with pytest.raises(InvalidCredentials):
        await sign_in(dev_login=True).as_demo_user(login)


async def test_dev_login_does_not_exist_unless_allowed() -> None:
    with pytest.raises(NotFound):
        await sign_in(dev_login=False).as_demo_user("lucas.martin")


# --- what the client is told --------------------------------------------------------------


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient[Litestar]]:
    service = sign_in(dev_login=False)
    app = Litestar(
        route_handlers=[AuthController],
        dependencies={
            "sign_in": Provide(lambda: service, sync_to_thread=False),
            "client_addresses": Provide(ClientAddresses, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
    )
    async with AsyncTestClient(app) as test_client:
        yield test_client


async def test_a_signed_in_answer_carries_the_token(client: AsyncTestClient[Litestar]) -> None:
    answer = await client.post(
        "/api/auth/login", json={"login": "lucas.martin", "password": PASSWORD}
    )

    assert answer.status_code == 201, answer.text
    assert answer.json()["token_type"] == "Bearer"
    assert answer.json()["user"]["user_id"] == "id-lucas.martin"


@pytest.mark.parametrize(
    ("login", "password"),
    [("lucas.martin", "wrong"), ("nobody.here", PASSWORD), ("parti.compte", PASSWORD)],
)
async def test_a_refused_sign_in_is_a_401_naming_the_login(
    client: AsyncTestClient[Litestar], login: str, password: str
) -> None:
    answer = await client.post("/api/auth/login", json={"login": login, "password": password})

    assert answer.status_code == 401
    problem = answer.json()
    assert problem["code"] == "invalid_credentials"
    assert problem["detail"] == "Identifiant ou mot de passe incorrect"
    assert [e["field"] for e in problem["errors"]] == ["login"]


async def test_dev_login_answers_404_when_not_allowed(client: AsyncTestClient[Litestar]) -> None:
    answer = await client.post("/api/auth/dev-login", json={"login": "lucas.martin"})

    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


# --- how the directory's answers are read -------------------------------------------------


PROBLEM = {"content-type": "application/problem+json"}


DIRECTORY_VERIFIER = TokenVerifier(
    issuer=ISSUER,
    audience="directory",
    user_key=None,
    peer_keys={"gateway": keys.public_key(keys.public_key_of(TEST_KEYS.service_keys["gateway"]))},
    grants=GRANTS["directory"],
)


class FakeDirectory:
    """The directory's internal sign-in API, answering as the real one does."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.scopes: list[str] = []  # of the service tokens received, checked as it would
        self.service_token_refused = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        token = request.headers["authorization"].removeprefix("Bearer ")
        self.scopes.append(DIRECTORY_VERIFIER.claims(token)["scope"])
        if self.service_token_refused:
            return httpx.Response(403, json={"code": "forbidden"}, headers=PROBLEM)
        if request.url.path == "/directory/internal/authenticate":
            body = json.loads(request.content)
            if body == {"login": "lucas.martin", "password": PASSWORD}:
                return httpx.Response(200, json=answer(account("lucas.martin")))
            return httpx.Response(401, json={"code": "invalid_credentials"}, headers=PROBLEM)
        if request.url.path == "/directory/internal/accounts/lucas.martin":
            return httpx.Response(200, json=answer(account("lucas.martin")))
        if request.url.path.startswith("/directory/internal/accounts/"):
            return httpx.Response(404, json={"code": "account_not_found"}, headers=PROBLEM)
        return httpx.Response(404, headers=PROBLEM)


def answer(value: SignInAccount) -> dict[str, object]:
    builtins: dict[str, object] = msgspec.to_builtins(value)
    return {**builtins, "first_name": "Lucas", "classes": ["6A"]}  # more than the contract


@pytest.fixture
async def directory() -> AsyncIterator[tuple[DirectoryAccounts, FakeDirectory]]:
    fake = FakeDirectory()
    settings = ServiceSettings(
        service_name="gateway", service_signing_key=TEST_KEYS.service_keys["gateway"]
    )
    transport = httpx.MockTransport(fake)
    peer = PeerClient("http://directory.test", settings, callee="directory", transport=transport)
    try:
        yield DirectoryAccounts(peer), fake
    finally:
        await peer.close()


async def test_the_directory_vouches_for_a_good_password(
    directory: tuple[DirectoryAccounts, FakeDirectory],
) -> None:
    accounts, fake = directory

    assert await accounts.by_password("lucas.martin", PASSWORD) == account("lucas.martin")
    assert await accounts.by_password("lucas.martin", "wrong") is None
    assert fake.requests[0].method == "POST"
    assert fake.scopes == ["directory:sign_in", "directory:sign_in"]


async def test_an_account_is_looked_up_by_its_login_quoted(
    directory: tuple[DirectoryAccounts, FakeDirectory],
) -> None:
    accounts, fake = directory

    assert await accounts.by_login("lucas.martin") == account("lucas.martin")
    assert await accounts.by_login("nobody/../here") is None
    assert fake.requests[-1].url.raw_path == b"/directory/internal/accounts/nobody%2F..%2Fhere"
    assert set(fake.scopes) == {"directory:account"}


async def test_other_refusals_of_the_directory_are_not_taken_for_a_wrong_password(
    directory: tuple[DirectoryAccounts, FakeDirectory],
) -> None:
    accounts, fake = directory
    fake.service_token_refused = True

    with pytest.raises(PeerRejected) as rejected:
        await accounts.by_password("lucas.martin", PASSWORD)
    assert rejected.value.status == 403


async def test_without_a_directory_nobody_signs_in() -> None:
    with pytest.raises(PeerUnavailable):
        await DirectoryAccounts(None).by_login("lucas.martin")
