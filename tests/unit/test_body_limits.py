"""Request bodies are bounded (ENT_MAX_BODY_BYTES, 64 KiB): a bigger one is a 413
problem+json, answered without reading past the limit. Only the routes that stream uploads
(and the gateway's proxy, which streams them on) take more."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from directory_fixtures import Client, bearer
from directory_fixtures import client as directory_client
from ent_directory.service import SERVICE as DIRECTORY
from ent_gateway import service as gateway_service
from ent_gateway.adapters.upstreams import PoolLimits, Upstreams
from ent_gateway.settings import GatewaySettings
from ent_kit import texts
from ent_kit.auth import Identity
from ent_kit.http import create_app
from ent_kit.problems import MEDIA_TYPE
from ent_kit.runtime import Runtime
from ent_locker.service import SERVICE as LOCKER
from ent_mail.domain.composition import MAX_BODY
from ent_mail.entrypoints.writing import MAX_MESSAGE_FORM_BYTES
from ent_mail.service import SERVICE as MAIL
from ent_transfer.service import SERVICE as TRANSFER
from kit_fixtures import TEST_KEYS
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from locker_fixtures import locker
from opentelemetry.sdk.trace import TracerProvider

__all__ = ["directory_client", "locker"]
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

LIMIT = 64 * 1024
TEACHER = Identity(user_id="teacher-1", profile="teacher", school_id="school-1")


def big_json(size: int = 100 * 1024) -> bytes:
    return json.dumps({"recipients": ["x" * size]}).encode()


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body = response.json()
    assert body["code"] == "body_too_large"
    assert body["title"] == texts.BODY_TOO_LARGE
    assert body["limit"] == LIMIT


async def streamed_post(
    app: Litestar, path: str, body: bytes, headers: dict[str, str], *, declared: bool
) -> tuple[int, dict[str, Any], int]:
    """POST `body` to the app at the ASGI level in 8 KiB messages, with or without a
    Content-Length: the status, the problem, and how many body bytes the app asked for."""
    chunk = 8 * 1024
    pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    read = 0
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw_headers.append((b"content-type", b"application/json"))
    if declared:
        raw_headers.append((b"content-length", str(len(body)).encode()))

    async def receive() -> dict[str, Any]:
        nonlocal read
        if not pieces:
            return {"type": "http.disconnect"}
        piece = pieces.pop(0)
        read += len(piece)
        return {"type": "http.request", "body": piece, "more_body": bool(pieces)}

    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(answer), read


# --- a service's JSON route: the directory's reachability check ---------------------------


async def test_a_100_kib_json_body_is_413_problem(directory_client: Client) -> None:
    response = await directory_client.post(
        "/directory/reachability/",
        content=big_json(),
        headers={**bearer(TEACHER), "content-type": "application/json"},
    )
    assert_too_large(response)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_body_is_never_read_past_the_limit(
    directory_client: Client, declared: bool
) -> None:
    body = big_json(1024 * 1024)  # 1 MiB
    status, problem, read = await streamed_post(
        directory_client.app,
        "/directory/reachability/",
        body,
        bearer(TEACHER),
        declared=declared,
    )
    assert (status, problem["code"]) == (413, "body_too_large")
    # Announced too large: refused unread; else read up to the limit and one message more.
    assert read == 0 if declared else read <= LIMIT + 8 * 1024


async def test_a_body_under_the_limit_is_read(directory_client: Client) -> None:
    response = await directory_client.post(
        "/directory/reachability/",
        json={"recipients": ["x" * 1000]},
        headers=bearer(TEACHER),
    )
    assert response.status_code != 413


# --- the gateway: its sign-in is bounded, its proxy streams uploads on ---------------------


class EchoUpstreams(Upstreams):
    """The services behind the gateway, as one that answers how many bytes it received."""

    def __init__(self, urls: Any, timeout_s: float, limits: PoolLimits | None = None) -> None:
        super().__init__(urls, timeout_s, limits)

        async def echo(request: httpx.Request) -> httpx.Response:
            size = 0
            async for piece in request.stream:  # type: ignore[union-attr]
                size += len(piece)
            answer = json.dumps({"received": size, "path": request.url.path}).encode()
            headers = {"content-type": "application/json"}
            return httpx.Response(201, headers=headers, stream=httpx.ByteStream(answer))

        self.client = httpx.AsyncClient(transport=httpx.MockTransport(echo))


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Client]:
    monkeypatch.setattr(gateway_service, "Upstreams", EchoUpstreams)
    settings = GatewaySettings(
        service_name="gateway",
        **TEST_KEYS.settings("gateway"),
        upstreams="directory=http://directory.test,locker=http://locker.test",
    )
    runtime = Runtime(gateway_service.SERVICE, settings, TracerProvider())
    async with AsyncTestClient(create_app(runtime)) as client:
        yield client


async def test_the_gateways_sign_in_refuses_a_100_kib_body(gateway: Client) -> None:
    body = json.dumps({"login": "x" * 100 * 1024, "password": "p"}).encode()
    response = await gateway.post(
        "/api/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert_too_large(response)


async def test_the_gateways_sign_in_stops_reading_at_the_limit(gateway: Client) -> None:
    body = json.dumps({"login": "x" * 1024 * 1024, "password": "p"}).encode()
    status, problem, read = await streamed_post(
        gateway.app, "/api/auth/login", body, {}, declared=False
    )
    assert (status, problem["code"]) == (413, "body_too_large")
    assert read <= LIMIT + 8 * 1024


async def test_the_gateway_streams_a_1_mb_upload_through(gateway: Client) -> None:
    content = b"%PDF-1.7\n" + b"x" * (1024 * 1024)
    response = await gateway.post(
        "/api/locker/workspace/items",
        files={"file": ("gros.pdf", content, "application/pdf")},
        headers=bearer(TEACHER),
    )
    assert response.status_code == 201, response.text
    assert response.json()["path"] == "/locker/workspace/items"
    assert response.json()["received"] > len(content)


# --- the locker: its upload route streams, well past the JSON limit ------------------------


async def test_a_1_mb_upload_to_mes_documents_still_works(locker: Client) -> None:
    content = b"%PDF-1.7\n" + bytes(range(256)) * 4096  # 1 MiB and a little
    created = await locker.post(
        "/locker/workspace/items",
        files={"file": ("cours.pdf", content, "application/pdf")},
        headers=bearer(TEACHER),
    )
    assert created.status_code == 201, created.text
    item_id = created.json()["item_id"]
    got = await locker.get(f"/locker/workspace/items/{item_id}/content", headers=bearer(TEACHER))
    assert got.content == content


async def test_a_json_route_of_the_locker_is_bounded(locker: Client) -> None:
    response = await locker.post(
        "/locker/workspace/folders",
        content=json.dumps({"name": "x" * 100 * 1024}).encode(),
        headers={**bearer(TEACHER), "content-type": "application/json"},
    )
    assert_too_large(response)


# --- which routes may read more: the streaming uploads, and a message's form -------------

RAISED = {
    ("POST", "/locker/deposits"): None,
    ("POST", "/locker/workspace/items"): None,
    ("POST", "/mail/attachments"): None,
    ("POST", "/directory/schools/{school_id:str}/import"): None,
    # tus: a PATCH appends up to its Upload-Length (the method override is a PATCH too).
    ("PATCH", "/transfer/transfers/{transfer_id:str}/files/{upload_id:str}"): None,
    ("POST", "/transfer/transfers/{transfer_id:str}/files/{upload_id:str}"): None,
    ("GET", "/api/{service:str}/{path:path}"): None,  # the gateway's proxy, every method
    ("POST", "/api/{service:str}/{path:path}"): None,
    ("PUT", "/api/{service:str}/{path:path}"): None,
    ("PATCH", "/api/{service:str}/{path:path}"): None,
    ("DELETE", "/api/{service:str}/{path:path}"): None,
    ("HEAD", "/api/{service:str}/{path:path}"): None,
    ("OPTIONS", "/api/{service:str}/{path:path}"): None,
    ("POST", "/mail/messages"): MAX_MESSAGE_FORM_BYTES,
    ("POST", "/mail/drafts"): MAX_MESSAGE_FORM_BYTES,
    ("PUT", "/mail/drafts/{draft_id:str}"): MAX_MESSAGE_FORM_BYTES,
}


def test_only_the_streaming_uploads_and_a_messages_form_read_more_than_the_default() -> None:
    controllers = [
        c
        for definition in (DIRECTORY, LOCKER, MAIL, TRANSFER, gateway_service.SERVICE)
        for c in definition.controllers
    ]
    app = Litestar(route_handlers=controllers, request_max_body_size=LIMIT)
    limits = {
        (method, route.path): handler.resolve_request_max_body_size()
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        for method in handler.http_methods
    }
    raised = {key: limit for key, limit in limits.items() if limit != LIMIT}
    assert raised == {key: RAISED[key] for key in raised}
    assert set(RAISED) <= set(limits)
    assert MAX_MESSAGE_FORM_BYTES >= 4 * MAX_BODY  # a letter at its longest, as UTF-8 JSON
