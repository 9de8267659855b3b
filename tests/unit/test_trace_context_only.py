"""Without an exporter, requests and calls carry the W3C trace context without the
OpenTelemetry HTTP instrumentations: the ids still join a caller, its log lines and callees."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ent_kit.http import create_app
from ent_kit.http_client import http_client
from ent_kit.runtime import Runtime
from ent_kit.telemetry import spans_recorded, trace_ids
from kit_fixtures import http_runtime
from litestar import get
from litestar.testing import AsyncTestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"

pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)


@get("/public/ids")
async def ids() -> dict[str, str]:
    trace_id, span_id = trace_ids() or ("", "")
    return {"trace_id": trace_id, "span_id": span_id}


def make_runtime(tmp_path: Path, provider: TracerProvider) -> Runtime:
    return http_runtime(tmp_path, [ids], provider)


@pytest.fixture
async def unrecorded(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Any]]:
    runtime = make_runtime(tmp_path, TracerProvider(sampler=ALWAYS_OFF))
    async with AsyncTestClient(create_app(runtime)) as client:
        yield client


@pytest.fixture
def global_provider_without_exporter(monkeypatch: pytest.MonkeyPatch) -> None:
    # OpenTelemetry sets the global provider once per process; a service sets it at start.
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", TracerProvider(sampler=ALWAYS_OFF))
    return


def test_spans_are_recorded_unless_the_sampler_drops_them_all() -> None:
    assert not spans_recorded(TracerProvider(sampler=ALWAYS_OFF))
    assert spans_recorded(TracerProvider())


async def test_a_request_continues_the_callers_trace(unrecorded: AsyncTestClient[Any]) -> None:
    response = await unrecorded.get("/public/ids", headers={"traceparent": TRACEPARENT})

    assert response.status_code == 200
    assert response.json()["trace_id"] == CALLER_TRACE
    assert response.json()["span_id"] not in ("", CALLER_SPAN)


async def test_a_request_without_a_caller_starts_its_own_trace(
    unrecorded: AsyncTestClient[Any],
) -> None:
    first = (await unrecorded.get("/public/ids")).json()
    second = (await unrecorded.get("/public/ids")).json()

    assert len(first["trace_id"]) == 32
    assert int(first["trace_id"], 16) != 0
    assert first["trace_id"] != second["trace_id"]


async def test_recorded_spans_still_get_the_full_server_span(tmp_path: Path) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    async with AsyncTestClient(create_app(make_runtime(tmp_path, provider))) as client:
        body = (await client.get("/public/ids", headers={"traceparent": TRACEPARENT})).json()

    (server,) = [s for s in exporter.get_finished_spans() if s.kind == trace.SpanKind.SERVER]
    assert body["trace_id"] == CALLER_TRACE == f"{server.context.trace_id:032x}"
    assert server.attributes is not None
    assert server.attributes["http.method"] == "GET"


async def test_a_call_carries_the_current_trace_to_the_callee(
    global_provider_without_exporter: None,
) -> None:
    sent: list[httpx.Request] = []

    def callee(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    client = http_client(httpx.Timeout(1.0), transport=httpx.MockTransport(callee))
    with trace.get_tracer("test").start_as_current_span("page") as page:
        # A traceparent from elsewhere (a browser's, forwarded) gives way to the caller's.
        await client.get("http://callee/x", headers={"traceparent": TRACEPARENT})
    await client.aclose()

    context = page.get_span_context()
    assert not page.is_recording()
    version, trace_id, _span_id, _flags = sent[0].headers["traceparent"].split("-")
    assert (version, trace_id) == ("00", f"{context.trace_id:032x}")
