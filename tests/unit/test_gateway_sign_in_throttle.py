"""Sign-in throttling at the gateway (time injected, nothing sleeps): a few failures go
unpunished, then each attempt waits a doubling delay (429 with Retry-After, the directory
not asked); per login and per client address; the client address from a trusted proxy
header only; and every sign-in logged as a security event, never with the password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from ent_contracts.directory_api import SignInAccount
from ent_gateway.application.sign_in import InvalidCredentials, SignIn
from ent_gateway.application.throttle import SignInThrottle, ThrottlePolicy
from ent_gateway.entrypoints.client_address import ClientAddresses
from ent_gateway.entrypoints.http import AuthController
from ent_gateway.service import throttle
from ent_gateway.settings import GatewaySettings
from ent_kit.errors import TooMany
from ent_kit.peers import PeerUnavailable
from ent_kit.problems import EXCEPTION_HANDLERS
from kit_fixtures import TEST_KEYS
from litestar import Litestar
from litestar.datastructures import Headers
from litestar.di import Provide
from litestar.testing import AsyncTestClient
from structlog.testing import capture_logs

pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

SECRET = "s" * 32
PASSWORD = "correct horse"
WRONG = "hunter2-wrong"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def policy(free: int) -> ThrottlePolicy:
    return ThrottlePolicy(free_failures=free, first_delay_s=1, max_delay_s=60, window_s=900)


def new_throttle(clock: Clock, *, by_login: int = 3, by_address: int = 10) -> SignInThrottle:
    return SignInThrottle(policy(by_login), policy(by_address), clock=clock)


def refused_for(throttle: SignInThrottle, login: str, address: str = "10.0.0.1") -> int:
    with pytest.raises(TooMany) as refused:
        throttle.admit(login, address)
    assert refused.value.reason == "too_many_attempts"
    return refused.value.retry_after_s


# --- the throttle ---------------------------------------------------------------------------


def test_free_failures_then_a_delay_that_doubles_up_to_the_maximum() -> None:
    clock = Clock()
    throttle = new_throttle(clock)
    for _ in range(3):
        throttle.failed(throttle.admit("lucas.martin", "10.0.0.1"))

    assert refused_for(throttle, "lucas.martin") == 1
    waits = []
    for _ in range(8):
        clock.now += refused_for(throttle, "lucas.martin")
        throttle.failed(throttle.admit("lucas.martin", "10.0.0.1"))
        waits.append(refused_for(throttle, "lucas.martin"))
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]


def test_attempts_sent_at_once_are_counted_before_they_are_judged() -> None:
    throttle = new_throttle(Clock())
    admitted = [throttle.admit("lucas.martin", "10.0.0.1") for _ in range(3)]

    assert refused_for(throttle, "lucas.martin") == 1
    assert len(admitted) == 3


def test_a_success_resets_its_login_only() -> None:
    clock = Clock()
    throttle = new_throttle(clock, by_login=3, by_address=4)
    for _ in range(2):
        throttle.failed(throttle.admit("lucas.martin", "10.0.0.1"))
    throttle.failed(throttle.admit("other.one", "10.0.0.1"))
    throttle.succeeded(throttle.admit("lucas.martin", "10.0.0.1"))

    for _ in range(3):  # the login starts afresh
        throttle.failed(throttle.admit("lucas.martin", "10.0.0.2"))
    assert refused_for(throttle, "lucas.martin", "10.0.0.2") == 1
    # the address still holds its three failures (the success withdrew only itself)
    throttle.failed(throttle.admit("third.one", "10.0.0.1"))
    assert refused_for(throttle, "fourth.one", "10.0.0.1") == 1


def test_one_address_trying_many_logins_is_throttled() -> None:
    throttle = new_throttle(Clock(), by_login=3, by_address=10)
    for n in range(10):
        throttle.failed(throttle.admit(f"user.{n}", "10.0.0.9"))

    assert refused_for(throttle, "user.99", "10.0.0.9") == 1
    throttle.admit("user.99", "10.0.0.10")  # another address is not concerned


def test_logins_are_counted_as_the_directory_matches_them() -> None:
    throttle = new_throttle(Clock())
    for login in ("Lucas.Martin", " lucas.martin", "LUCAS.MARTIN"):
        throttle.failed(throttle.admit(login, "10.0.0.1"))

    assert refused_for(throttle, "lucas.martin", "10.0.0.2") == 1


def test_failures_older_than_the_window_are_forgotten() -> None:
    clock = Clock()
    throttle = new_throttle(clock)
    for _ in range(3):
        throttle.failed(throttle.admit("lucas.martin", "10.0.0.1"))
    clock.now += 901

    for _ in range(3):
        throttle.failed(throttle.admit("lucas.martin", "10.0.0.1"))
    assert refused_for(throttle, "lucas.martin") == 1


def test_an_unjudged_attempt_is_withdrawn() -> None:
    throttle = new_throttle(Clock())
    for _ in range(5):
        throttle.withdraw(throttle.admit("lucas.martin", "10.0.0.1"))

    throttle.admit("lucas.martin", "10.0.0.1")


def test_the_number_of_keys_is_bounded() -> None:
    throttle = SignInThrottle(policy(3), policy(3), clock=Clock(), max_keys=100)
    for n in range(1000):
        throttle.failed(throttle.admit(f"user.{n}", f"10.0.{n // 250}.{n % 250}"))

    assert len(throttle._logins.keys) == 100
    assert len(throttle._addresses.keys) == 100


def test_the_settings_make_the_throttle() -> None:
    settings = GatewaySettings(
        service_name="gateway", **TEST_KEYS.settings("gateway"), upstreams="directory=http://d:1"
    )
    made = throttle(settings)

    assert made._logins.policy == ThrottlePolicy(5, 1.0, 900.0, 900.0)
    assert made._addresses.policy.free_failures == 50


# --- sign-in through the throttle, and its security events ----------------------------------


def account() -> SignInAccount:
    return SignInAccount(
        user_id="id-lucas.martin",
        login="lucas.martin",
        display_name="Lucas Martin",
        profile="student",
        school_id="school-1",
        active=True,
        frozen=False,
    )


class CountingAccounts:
    def __init__(self) -> None:
        self.asked = 0
        self.down = False

    async def by_password(self, login: str, password: str) -> SignInAccount | None:
        self.asked += 1
        if self.down:
            raise PeerUnavailable("directory down")
        return account() if (login, password) == ("lucas.martin", PASSWORD) else None

    async def by_login(self, login: str) -> SignInAccount | None:
        return None


def sign_in(accounts: CountingAccounts, clock: Clock) -> SignIn:
    return SignIn(
        accounts,
        signing_key=TEST_KEYS.user_token_key,
        issuer="ent-test",
        token_ttl=timedelta(hours=1),
        dev_login=False,
        throttle=new_throttle(clock),
    )


async def test_beyond_the_threshold_the_directory_is_not_asked() -> None:
    accounts, clock = CountingAccounts(), Clock()
    service = sign_in(accounts, clock)
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await service.with_password("lucas.martin", WRONG, "10.0.0.1")

    with pytest.raises(TooMany) as refused:
        await service.with_password("lucas.martin", PASSWORD, "10.0.0.1")
    assert refused.value.retry_after_s == 1
    assert accounts.asked == 3
    clock.now += 1
    assert (await service.with_password("lucas.martin", PASSWORD, "10.0.0.1")).user.user_id
    for _ in range(3):  # the success reset the login
        with pytest.raises(InvalidCredentials):
            await service.with_password("lucas.martin", WRONG, "10.0.0.1")


async def test_a_directory_outage_does_not_count_as_failures() -> None:
    accounts, clock = CountingAccounts(), Clock()
    service = sign_in(accounts, clock)
    accounts.down = True
    for _ in range(5):
        with pytest.raises(PeerUnavailable):
            await service.with_password("lucas.martin", PASSWORD, "10.0.0.1")
    accounts.down = False

    assert await service.with_password("lucas.martin", PASSWORD, "10.0.0.1")


async def test_every_sign_in_is_a_security_event_without_the_password() -> None:
    service = sign_in(CountingAccounts(), Clock())
    with capture_logs() as logs:
        await service.with_password("lucas.martin", PASSWORD, "10.0.0.1")
        for _ in range(4):
            with pytest.raises((InvalidCredentials, TooMany)):
                await service.with_password("lucas.martin", WRONG, "10.0.0.7")

    events = [e for e in logs if e.get("security_event") == "sign_in"]
    assert [(e["outcome"], e["reason"], e["client_address"]) for e in events] == [
        ("success", "password", "10.0.0.1"),
        ("failure", "invalid_credentials", "10.0.0.7"),
        ("failure", "invalid_credentials", "10.0.0.7"),
        ("failure", "invalid_credentials", "10.0.0.7"),
        ("throttled", "too_many_attempts", "10.0.0.7"),
    ]
    assert all(e["login"] == "lucas.martin" for e in events)
    assert events[0]["user_id"] == "id-lucas.martin"
    assert [e["log_level"] for e in events] == ["info"] + ["warning"] * 4
    assert PASSWORD not in repr(logs)
    assert WRONG not in repr(logs)


# --- over HTTP: 429 with Retry-After, the client's address --------------------------------


@pytest.fixture
async def http() -> AsyncIterator[tuple[AsyncTestClient[Litestar], CountingAccounts]]:
    accounts = CountingAccounts()
    service = sign_in(accounts, Clock())
    addresses = ClientAddresses("x-forwarded-for", hops=1)
    app = Litestar(
        route_handlers=[AuthController],
        dependencies={
            "sign_in": Provide(lambda: service, sync_to_thread=False),
            "client_addresses": Provide(lambda: addresses, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
    )
    async with AsyncTestClient(app) as client:
        yield client, accounts


async def test_an_attempt_during_the_delay_is_a_429_with_retry_after(
    http: tuple[AsyncTestClient[Litestar], CountingAccounts],
) -> None:
    client, accounts = http
    body = {"login": "lucas.martin", "password": WRONG}
    statuses = [(await client.post("/api/auth/login", json=body)).status_code for _ in range(3)]
    refused = await client.post("/api/auth/login", json=body)

    assert statuses == [401, 401, 401]
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["code"] == "too_many_attempts"
    assert accounts.asked == 3


async def test_the_address_comes_from_the_trusted_proxy_header(
    http: tuple[AsyncTestClient[Litestar], CountingAccounts],
) -> None:
    client, _ = http
    with capture_logs() as logs:
        await client.post(
            "/api/auth/login",
            json={"login": "lucas.martin", "password": WRONG},
            # the client wrote the first entry itself; the trusted proxy appended the last
            headers={"x-forwarded-for": "1.1.1.1, 203.0.113.7"},
        )
    assert logs[-1]["client_address"] == "203.0.113.7"


class FakeRequest:
    def __init__(self, peer: str, headers: list[tuple[str, str]]) -> None:
        self.client = type("Client", (), {"host": peer})()
        self.headers = Headers([(k.encode(), v.encode()) for k, v in headers])


@pytest.mark.parametrize(
    ("header", "hops", "headers", "expected"),
    [
        ("", 1, [("x-forwarded-for", "6.6.6.6")], "10.1.1.1"),  # no trusted header: the peer
        ("x-forwarded-for", 1, [], "10.1.1.1"),  # not through the proxy: the peer
        ("x-forwarded-for", 1, [("x-forwarded-for", "6.6.6.6, 203.0.113.7")], "203.0.113.7"),
        (
            "x-forwarded-for",
            2,
            [("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.2.2.2")],
            "203.0.113.7",
        ),
        (
            "x-forwarded-for",
            2,
            [("x-forwarded-for", "a, b"), ("x-forwarded-for", "198.51.100.4, 10.2.2.2")],
            "198.51.100.4",
        ),
        ("x-forwarded-for", 3, [("x-forwarded-for", "203.0.113.7")], "203.0.113.7"),
        ("x-real-ip", 1, [("x-real-ip", "[2001:db8::1]:4711")], "2001:db8::1"),
        ("X-Real-IP", 1, [("x-real-ip", "203.0.113.7:443")], "203.0.113.7"),
    ],
)
def test_client_address(
    header: str, hops: int, headers: list[tuple[str, str]], expected: str
) -> None:
    request = FakeRequest("10.1.1.1", headers)
    assert ClientAddresses(header, hops).of(request) == expected  # type: ignore[arg-type]
