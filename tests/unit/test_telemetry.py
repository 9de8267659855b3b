"""Tracing export: OTLP/HTTP when an endpoint is configured, a JSON-lines file on request."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from ent_kit.telemetry import setup_tracing
from opentelemetry import propagate


class Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, str, int]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        Collector.received.append((self.path, self.headers["content-type"], len(body)))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_spans_go_to_the_otlp_endpoint_when_configured(collector: str) -> None:
    provider = setup_tracing("probe", otlp_endpoint=collector)
    with provider.get_tracer("test").start_as_current_span("work"):
        pass
    assert provider.force_flush()
    provider.shutdown()

    assert Collector.received, "no OTLP export reached the collector"
    path, content_type, size = Collector.received[0]
    assert path == "/v1/traces"
    assert content_type == "application/x-protobuf"
    assert size > 0


def test_spans_go_to_the_json_lines_file_with_bytes_attributes(tmp_path: Path) -> None:
    traces = tmp_path / "traces.jsonl"
    provider = setup_tracing("probe", traces_file=str(traces))
    with provider.get_tracer("test").start_as_current_span("publish") as span:
        span.set_attribute("messaging.kafka.message.key", b"user-1")  # type: ignore[arg-type]
    provider.shutdown()

    (record,) = [json.loads(line) for line in traces.read_text().splitlines()]
    assert record["name"] == "publish"
    assert record["resource"]["attributes"]["service.name"] == "ent-probe"
    assert record["attributes"]["messaging.kafka.message.key"] == "user-1"
    assert record["context"]["trace_id"].startswith("0x")


def test_no_exporter_without_settings() -> None:
    provider = setup_tracing("probe")
    processors = provider._active_span_processor._span_processors
    assert processors == ()


def test_spans_that_go_nowhere_are_not_recorded_but_their_ids_travel() -> None:
    provider = setup_tracing("probe")
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("page") as page, tracer.start_as_current_span("call") as call:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        assert not page.is_recording()
        assert not call.is_recording()
    assert page.get_span_context().trace_id != 0
    assert call.get_span_context().trace_id == page.get_span_context().trace_id
    assert f"{page.get_span_context().trace_id:032x}" in carrier["traceparent"]


def test_spans_exported_are_recorded() -> None:
    provider = setup_tracing("probe", traces_file=os.devnull)
    with provider.get_tracer("test").start_as_current_span("page") as page:
        assert page.is_recording()
