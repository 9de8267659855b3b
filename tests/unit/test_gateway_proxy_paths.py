"""The gateway's proxy forwards `/api/<service>/<path>` to `<service>/<path>` and nothing
else: a path whose segments, once percent-decoded, are `.` or `..`, hide a `/` or `\\`, or
are empty, is refused (404 problem+json) before any service is asked, so none reaches a
service's internal routes or another prefix. Requests are sent at the ASGI level, as uvicorn
hands them over: `raw_path` as received, `path` percent-decoded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from directory_fixtures import bearer
from ent_gateway import service as gateway_service
from ent_gateway.adapters.upstreams import PoolLimits, Upstreams
from ent_gateway.settings import GatewaySettings
from ent_kit.auth import Identity
from ent_kit.http import create_app
from ent_kit.problems import MEDIA_TYPE
from ent_kit.runtime import Runtime
from kit_fixtures import TEST_KEYS
from litestar import Litestar
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider

pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

TEACHER = Identity(user_id="teacher-1", profile="teacher", school_id="school-1")
FORWARDED: list[str] = []
BODIES: list[bytes] = []


class RecordingUpstreams(Upstreams):
    """The services behind the gateway, as one that records the raw path it was sent."""

    def __init__(self, urls: Any, timeout_s: float, limits: PoolLimits | None = None) -> None:
        super().__init__(urls, timeout_s, limits)

        async def record(request: httpx.Request) -> httpx.Response:
            FORWARDED.append(request.url.raw_path.decode())
            BODIES.append(await request.aread())
            headers = {"content-type": "application/json"}
            return httpx.Response(200, headers=headers, stream=httpx.ByteStream(b"{}"))

        self.client = httpx.AsyncClient(transport=httpx.MockTransport(record))


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Litestar]:
    FORWARDED.clear()
    BODIES.clear()
    monkeypatch.setattr(gateway_service, "Upstreams", RecordingUpstreams)
    settings = GatewaySettings(
        service_name="gateway",
        **TEST_KEYS.settings("gateway"),
        upstreams="mail=http://mail.test,locker=http://locker.test",
    )
    runtime = Runtime(gateway_service.SERVICE, settings, TracerProvider())
    async with AsyncTestClient(create_app(runtime)) as client:
        yield client.app


async def get(app: Litestar, raw_path: str, query: str = "") -> tuple[int, str, Any]:
    """GET `raw_path` as uvicorn passes it on: the status, the media type, the JSON body."""
    sent: list[dict[str, Any]] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]
    answered = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if requests:
            return requests.pop()
        await answered.wait()  # the client stays until the whole answer is sent
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    headers = [(k.encode(), v.encode()) for k, v in bearer(TEACHER).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    media_type = dict(start["headers"]).get(b"content-type", b"").decode()
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], media_type, json.loads(body) if body else None


@pytest.mark.parametrize(
    "raw_path",
    [
        "/api/mail/%2e%2e/internal/recipients",
        "/api/mail/%2E%2E/%2E%2E/health/ready",
        "/api/mail/../internal/recipients",
        "/api/mail/./internal/recipients",
        "/api/mail/%2e/internal/recipients",
        "/api/mail/messages/%2e%2e/%2e%2e/internal/recipients",
        "/api/mail/messages%2f..%2f..%2finternal",
        "/api/mail/messages%2F..",
        "/api/mail/messages%5c..%5cinternal",
        "/api/mail/messages\\..\\internal",
        "/api/mail//internal/recipients",
        "/api/mail/%2finternal/recipients",
        "/api/mail/messages//m-1",
        "/api/mail/internal/recipients",
        "/api/mail/%69nternal/recipients",
        "/api/locker/..%2fmail/messages",
    ],
)
async def test_a_path_that_leaves_its_service_or_hides_a_separator_is_refused(
    gateway: Litestar, raw_path: str
) -> None:
    status, media_type, problem = await get(gateway, raw_path)

    assert (status, media_type) == (404, MEDIA_TYPE), problem
    assert problem["code"] == "not_found"
    assert FORWARDED == []


async def test_an_ordinary_path_is_forwarded_encoded_as_it_came(gateway: Litestar) -> None:
    """Each segment is passed on percent-encoded: an encoded `?` or `#` stays in the path,
    and the query string is passed on as it came."""
    assert (await get(gateway, "/api/mail/messages/m-1", "a=1&q=%C3%A9l%C3%A8ve"))[0] == 200
    assert (await get(gateway, "/api/locker/workspace/items/x%3Fy%23z%20w%C3%A9"))[0] == 200
    assert (await get(gateway, "/api/mail/folders/inbox/messages/"))[0] == 200

    assert FORWARDED == [
        "/mail/messages/m-1?a=1&q=%C3%A9l%C3%A8ve",
        "/locker/workspace/items/x%3Fy%23z%20w%C3%A9",
        "/mail/folders/inbox/messages/",
    ]


async def test_a_body_goes_on_whatever_the_method(gateway: Litestar) -> None:
    """A DELETE with a body: once dropped while its Content-Length went on (a 500)."""
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        answer = await client.request(
            "DELETE",
            "/api/mail/folders",
            content=b'{"a":1}',
            headers={**bearer(TEACHER), "content-type": "application/json"},
        )

    assert answer.status_code == 200
    assert BODIES == [b'{"a":1}']
