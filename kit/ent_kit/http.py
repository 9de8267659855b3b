"""The Litestar app every service serves: health, auth, problem+json, tracing, OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Response, get
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.types import ASGIApp, Receive, Scope, Send
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

from ent_kit import texts
from ent_kit.api_docs import PinnedScalar
from ent_kit.auth import jwt_auth
from ent_kit.metrics import http_metrics
from ent_kit.problems import EXCEPTION_HANDLERS, MEDIA_TYPE
from ent_kit.runtime import Runtime
from ent_kit.telemetry import spans_recorded
from ent_kit.tokens import token_verifier


@get("/health/live", tags=["health"], summary="Liveness: the process serves requests")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/health/ready",
    tags=["health"],
    summary="Readiness: store and blob store reachable (the broker's state is reported only)",
)
async def ready(runtime: Runtime) -> Response[dict[str, Any]]:
    checks = await runtime.readiness()
    healthy = all(result == "ok" for result in checks.values())
    body: dict[str, Any] = {"status": "ok" if healthy else "unavailable", "checks": checks}
    # e.g. {"broker": "unavailable: …"}: worth knowing, but commands are still accepted.
    if non_blocking := runtime.non_blocking_checks():
        body["non_blocking"] = non_blocking
    if healthy:
        return Response(body)
    problem = {"type": "urn:ent:problem:not_ready", "title": texts.NOT_READY, "status": 503, **body}
    return Response(problem, status_code=503, media_type=MEDIA_TYPE)


class IsolatedTraceContext:
    """Outermost ASGI layer: every request starts from an empty trace context.

    uvicorn re-registers a paused socket reader from inside the request task (flow
    control on large uploads), so later requests on that keep-alive connection would
    inherit the upload's span as their parent. Resetting here keeps traces separate.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = otel_context.attach(otel_context.Context())
        try:
            await self.app(scope, receive, send)
        finally:
            otel_context.detach(token)


_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate"})


class TraceContextOnly:
    """Tracing when spans go nowhere: the request continues the caller's trace (W3C headers)
    in a server span that records nothing, so log lines and calls onward carry its ids,
    without the OpenTelemetry ASGI layer's work per request."""

    def __init__(self, app: ASGIApp, tracer: trace.Tracer) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope.get("headers", ())
            if name in _TRACE_HEADERS
        }
        caller = propagate.extract(carrier, context=otel_context.Context())
        with self.tracer.start_as_current_span(
            "http.server",
            context=caller,
            kind=trace.SpanKind.SERVER,
            record_exception=False,
            set_status_on_exception=False,
        ):
            await self.app(scope, receive, send)


def _tracing(runtime: Runtime) -> tuple[list[OpenTelemetryPlugin], list[DefineMiddleware]]:
    """The OpenTelemetry plugin when spans are recorded, else `TraceContextOnly`."""
    provider = runtime.tracer_provider
    if not spans_recorded(provider):
        tracer = provider.get_tracer("ent.http")
        return [], [DefineMiddleware(TraceContextOnly, tracer=tracer)]
    plugin = OpenTelemetryPlugin(
        OpenTelemetryConfig(
            tracer_provider=provider,
            exclude=["/health"],
            # Per-receive/send spans leak their context into the next request on a
            # keep-alive connection when a handler streams the body; they add noise.
            exclude_spans=["receive", "send"],
        )
    )
    return [plugin], []


def create_app(runtime: Runtime) -> Litestar:
    definition, settings = runtime.definition, runtime.settings

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    dependencies = {
        "runtime": Provide(lambda: runtime, sync_to_thread=False),
        **definition.dependencies(runtime),
    }
    # A service that keeps the accounts' session versions ends the tokens of old sessions.
    auth = jwt_auth(
        token_verifier(settings), list(definition.public_paths), sessions=runtime.sessions
    )
    metrics_config, metrics_controller = http_metrics(definition.name)
    # With a metrics port of its own, /metrics is served there (ent_kit.metrics.serve).
    own_routes = [live, ready] if settings.metrics_port else [live, ready, metrics_controller]
    tracing_plugins, tracing_middleware = _tracing(runtime)
    return Litestar(
        route_handlers=[*own_routes, *definition.controllers],
        middleware=[*tracing_middleware, metrics_config.middleware],
        dependencies=dependencies,
        lifespan=[lifespan],
        on_app_init=[auth.on_app_init],
        plugins=tracing_plugins,
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title=f"ENT {definition.name}",
            version="1.0.0",
            path="/schema",
            render_plugins=[PinnedScalar()],
        ),
        logging_config=None,
        # Every body a handler reads is bounded; the upload routes, which stream and enforce
        # their own limit, say `request_max_body_size=None`.
        request_max_body_size=settings.max_body_bytes,
    )
