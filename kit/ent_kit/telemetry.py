"""OpenTelemetry tracing: one provider per process, W3C context in HTTP and Kafka headers.

Spans go to an OTLP/HTTP endpoint when one is configured, to a JSON-lines file when
`ENT_TRACES_FILE` is set (tests and local debugging), and nowhere otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
from ent_contracts import TraceContext
from opentelemetry import context, propagate, trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF


def setup_tracing(
    service_name: str, *, otlp_endpoint: str = "", traces_file: str = ""
) -> TracerProvider:
    # Spans that go nowhere are not recorded: their ids still travel (to the callees, in
    # the events, in the log lines), but nothing builds their attributes, timings and
    # ends for nothing: a tenth of the CPU of a request the gateway proxies (measured).
    # Otherwise the SDK's sampler, which OTEL_TRACES_SAMPLER sets (default: all).
    exported = bool(otlp_endpoint or traces_file)
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"ent-{service_name}"}),
        sampler=None if exported else ALWAYS_OFF,
    )
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=otlp_endpoint.rstrip("/") + "/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
    if traces_file:
        provider.add_span_processor(SimpleSpanProcessor(_json_lines_exporter(traces_file)))
    trace.set_tracer_provider(provider)
    return provider


def spans_recorded(provider: trace.TracerProvider | None = None) -> bool:
    """False when spans go nowhere (`setup_tracing` without an exporter). The HTTP layers
    then only carry the trace context, without the instrumentations' work per request and
    per call: an eighth of a millisecond of CPU each (measured), on every hop."""
    provider = provider if provider is not None else trace.get_tracer_provider()
    return getattr(provider, "sampler", None) is not ALWAYS_OFF


def traced(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Every call this client makes carries the W3C context in its headers, so the callee's
    spans join the caller's trace; and gets a client span when spans are recorded."""
    if spans_recorded():
        HTTPXClientInstrumentor.instrument_client(client)
    else:
        client.event_hooks["request"].append(_carry_trace_context)
    return client


async def _carry_trace_context(request: httpx.Request) -> None:
    # Replaces any traceparent the request had: the callee continues the caller's span.
    propagate.inject(request.headers)


def _json_lines_exporter(path: str) -> ConsoleSpanExporter:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    out: IO[str] = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives with the process

    return ConsoleSpanExporter(out=out, formatter=span_json_line)


def span_json_line(span: ReadableSpan) -> str:
    """Like `ReadableSpan.to_json`, on one line, and tolerant of bytes attributes
    (FastStream records the Kafka key as bytes, which `to_json` cannot encode)."""
    context = span.get_span_context()
    record = {
        "name": span.name,
        "context": {
            "trace_id": f"0x{context.trace_id:032x}" if context else None,
            "span_id": f"0x{context.span_id:016x}" if context else None,
        },
        "kind": str(span.kind),
        "parent_id": f"0x{span.parent.span_id:016x}" if span.parent else None,
        "start_time": span.start_time,
        "end_time": span.end_time,
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
        "links": [f"0x{link.context.trace_id:032x}" for link in span.links],
        "resource": {"attributes": dict(span.resource.attributes)},
    }
    return json.dumps(record, default=_printable) + "\n"


def _printable(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def tracer(name: str = "ent") -> trace.Tracer:
    return trace.get_tracer(name)


def current_trace_context() -> TraceContext:
    """The active context, in the form stored in event envelopes."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return TraceContext(
        traceparent=carrier.get("traceparent", ""), tracestate=carrier.get("tracestate", "")
    )


@contextmanager
def continued_trace(stored: TraceContext) -> Iterator[None]:
    """Make a stored trace context current, so new spans join the trace that caused an event."""
    carrier = {"traceparent": stored.traceparent}
    if stored.tracestate:
        carrier["tracestate"] = stored.tracestate
    token = context.attach(propagate.extract(carrier))
    try:
        yield
    finally:
        context.detach(token)


def trace_ids() -> tuple[str, str] | None:
    """(trace id, span id) of the current span in hex, or None outside any span."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")
