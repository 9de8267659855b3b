"""One way from a refusal to problem+json (ent_kit.errors → ent_kit.problems), and the peer
client every service-to-service call goes through, against a real HTTP server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
import uvicorn
from ent_kit import texts
from ent_kit.auth import Identity, jwt_auth
from ent_kit.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    Refused,
    TooLarge,
    TooMany,
    Unprocessable,
)
from ent_kit.peers import PeerClient, PeerRejected, PeerUnavailable
from ent_kit.problems import EXCEPTION_HANDLERS, MEDIA_TYPE
from ent_kit.scopes import DIRECTORY_REACHABILITY, service_route
from ent_kit.settings import ServiceSettings
from ent_kit.storage import ConcurrencyConflict, InvalidCursor
from ent_kit.tokens import token_verifier
from kit_fixtures import TEST_KEYS
from litestar import Litestar, Request, get, post
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

# The peer answers as the directory does, to the locker's reachability checks.
PEER_SCOPE = service_route(DIRECTORY_REACHABILITY)
RAISED: dict[str, Exception] = {
    "refused": Refused("name", "name_taken", "un dossier porte déjà ce nom ici"),
    "not_found": NotFound("document_id", "document_not_found", "Document introuvable"),
    "forbidden": Forbidden("", "reserved_to_direction", "Réservé à la direction"),
    "too_large": TooLarge("file", "quota_exceeded", "Quota atteint", quota_bytes=10),
    "unprocessable": Unprocessable(
        "recipients", "no_allowed_recipients", "Aucun destinataire", refused=[{"user_id": "x"}]
    ),
    "stale": Conflict("version", "stale_draft", "Brouillon modifié entre-temps", version=3),
    "too_many": TooMany("", "send_limit", "Trop de messages", retry_after_s=120),
    "unclassified": DomainError("", "odd", "Refus non classé"),
    "cursor": InvalidCursor("bad"),
    "concurrency": ConcurrencyConflict("s-1", 1, 2),
    "peer": PeerUnavailable("directory: connection refused"),
}


class Freeze(msgspec.Struct):
    reason: str = ""


@get("/raise/{kind:str}")
async def raise_it(kind: str) -> None:
    raise RAISED[kind]


@post("/freeze")
async def freeze(data: Freeze) -> dict[str, str]:
    return {"reason": data.reason}


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient[Any]]:
    app = Litestar([raise_it, freeze], exception_handlers=EXCEPTION_HANDLERS)
    async with AsyncTestClient(app) as test_client:
        yield test_client


async def problem(client: AsyncTestClient[Any], path: str, status: int) -> dict[str, Any]:
    response = await client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:ent:problem:{body['code']}"
    return body


async def test_refused_is_a_400_naming_field_reason_and_message(
    client: AsyncTestClient[Any],
) -> None:
    body = await problem(client, "/raise/refused", 400)
    assert body["code"] == "validation_failed"
    assert body["title"] == texts.INVALID_INPUT
    assert body["errors"] == [
        {"field": "name", "reason": "name_taken", "message": "un dossier porte déjà ce nom ici"}
    ]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("not_found", 404, "document_not_found"),
        ("forbidden", 403, "reserved_to_direction"),
        ("too_large", 413, "quota_exceeded"),
        ("unprocessable", 422, "no_allowed_recipients"),
        ("unclassified", 400, "odd"),
        ("stale", 409, "stale_draft"),
        ("too_many", 429, "send_limit"),
    ],
)
async def test_each_kind_of_refusal_has_its_status_and_its_reason_as_code(
    client: AsyncTestClient[Any], kind: str, status: int, code: str
) -> None:
    body = await problem(client, f"/raise/{kind}", status)
    error = RAISED[kind]
    assert isinstance(error, DomainError)
    assert body["code"] == code
    assert body["title"] == error.message
    assert body.get("field", "") == error.field
    for name, value in error.details.items():
        assert body[name] == value


async def test_a_rate_limit_says_when_to_try_again(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/raise/too_many")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "120"


async def test_a_bad_cursor_is_a_400_naming_the_cursor(client: AsyncTestClient[Any]) -> None:
    body = await problem(client, "/raise/cursor", 400)
    assert [e["field"] for e in body["errors"]] == ["cursor"]


async def test_a_conflict_left_after_retries_is_a_409(client: AsyncTestClient[Any]) -> None:
    body = await problem(client, "/raise/concurrency", 409)
    assert body["code"] == "conflict"


async def test_an_unavailable_peer_is_a_503_without_its_address(
    client: AsyncTestClient[Any],
) -> None:
    body = await problem(client, "/raise/peer", 503)
    assert body["code"] == "upstream_unavailable"
    assert "connection refused" not in str(body)


@pytest.mark.parametrize("content", [None, b""])
async def test_a_missing_body_is_a_400_that_says_so(
    client: AsyncTestClient[Any], content: bytes | None
) -> None:
    response = await client.post(
        "/freeze", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == [
        {"field": "body", "reason": "missing", "message": texts.BODY_REQUIRED}
    ]


async def test_a_malformed_json_body_is_a_400_naming_the_body(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.post(
        "/freeze", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"
    assert [e["field"] for e in response.json()["errors"]] == ["body"]


async def test_a_body_of_the_wrong_shape_names_the_body_not_data(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.post("/freeze", json=[1, 2])
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["body"]


# --- the peer client, over real HTTP ----------------------------------------------------


class Echo(msgspec.Struct, frozen=True):
    caller: str
    profile: str
    word: str


@post("/echo", status_code=200, opt=PEER_SCOPE)
async def echo(request: Request[Identity, Any, Any], data: dict[str, str]) -> Echo:
    return Echo(caller=request.user.user_id, profile=request.user.profile, word=data["word"])


@post("/refuse", status_code=200, opt=PEER_SCOPE)
async def refuse() -> None:
    raise Refused("recipients", "invalid_role", "rôle inconnu")


@post("/crash", status_code=200, opt=PEER_SCOPE)
async def crash() -> None:
    raise RuntimeError("boom")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def peer_url() -> AsyncIterator[str]:
    peer = ServiceSettings(service_name="directory", **TEST_KEYS.settings("directory"))
    auth = jwt_auth(token_verifier(peer))
    app = Litestar(
        [echo, refuse, crash], exception_handlers=EXCEPTION_HANDLERS, on_app_init=[auth.on_app_init]
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving


def settings() -> ServiceSettings:
    return ServiceSettings(
        service_name="locker", service_signing_key=TEST_KEYS.service_keys["locker"]
    )


async def test_peer_call_is_signed_as_the_service_and_decoded_into_the_contract(
    peer_url: str,
) -> None:
    client = PeerClient(peer_url, settings(), callee="directory", scope=DIRECTORY_REACHABILITY)
    try:
        answer = await client.call("POST", "/echo", Echo, {"word": "bonjour"})
    finally:
        await client.close()
    assert answer == Echo(caller="service:locker", profile="service", word="bonjour")


async def test_a_peer_refusal_carries_its_problem(peer_url: str) -> None:
    client = PeerClient(peer_url, settings(), callee="directory", scope=DIRECTORY_REACHABILITY)
    try:
        with pytest.raises(PeerRejected) as rejected:
            await client.call("POST", "/refuse", Echo)
    finally:
        await client.close()
    assert rejected.value.status == 400
    assert rejected.value.first_error()["reason"] == "invalid_role"


async def test_a_peer_error_or_silence_is_unavailable(peer_url: str) -> None:
    crashing = PeerClient(peer_url, settings(), callee="directory", scope=DIRECTORY_REACHABILITY)
    silent = PeerClient(
        f"http://127.0.0.1:{free_port()}",
        settings(),
        callee="directory",
        scope=DIRECTORY_REACHABILITY,
    )
    try:
        with pytest.raises(PeerUnavailable):
            await crashing.call("POST", "/crash", Echo)
        with pytest.raises(PeerUnavailable):
            await silent.call("POST", "/echo", Echo, {"word": "x"})
    finally:
        await crashing.close()
        await silent.close()
