"""Prometheus metrics on `/metrics`, for operators to alert on.

- HTTP rate, errors and duration per route: Litestar's Prometheus plugin (route templates,
  not raw paths, so ids do not explode the label space).
- The event pipeline: sampled every few seconds by the runtime, since reading the store
  is asynchronous and a Prometheus collector is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client import Gauge, start_http_server

METRICS_PATH = "/metrics"
SAMPLE_INTERVAL_S = 5.0

OUTBOX_LAG = Gauge(
    "ent_outbox_lag_events", "Events appended to the store and not yet published", ["service"]
)
PROJECTION_LAG = Gauge(
    "ent_projection_lag_events",
    "Events appended to the store and not yet applied by a local projection",
    ["service", "projection"],
)
PARKED = Gauge(
    "ent_parked_events",
    "Events a projection kept failing on, set aside until an operator retries them",
    ["service"],
)
BROKER_CONNECTED = Gauge("ent_broker_connected", "1 when the Kafka broker answers", ["service"])
LEASE_HELD = Gauge(
    "ent_pipeline_lease_held",
    "1 when this replica holds the lease to run the relay and the local projections",
    ["service"],
)


@dataclass(frozen=True, kw_only=True)
class PipelineSample:
    """The pipeline's state at one moment, as the runtime reads it."""

    last_position: int
    outbox_position: int | None  # None: the service publishes nothing
    projection_positions: Mapping[str, int]
    broker_connected: bool | None  # None: the service uses no broker
    lease_held: bool | None  # None: nothing to lead
    parked: int | None = None  # None: the service has no store


def record(service: str, sample: PipelineSample) -> None:
    if sample.outbox_position is not None:
        OUTBOX_LAG.labels(service).set(max(0, sample.last_position - sample.outbox_position))
    for name, position in sample.projection_positions.items():
        PROJECTION_LAG.labels(service, name).set(max(0, sample.last_position - position))
    if sample.parked is not None:
        PARKED.labels(service).set(sample.parked)
    if sample.broker_connected is not None:
        BROKER_CONNECTED.labels(service).set(int(sample.broker_connected))
    if sample.lease_held is not None:
        LEASE_HELD.labels(service).set(int(sample.lease_held))


def http_metrics(service: str) -> tuple[PrometheusConfig, type[PrometheusController]]:
    """The middleware's config and the controller serving `/metrics`."""
    config = PrometheusConfig(
        app_name=f"ent-{service}",
        prefix="ent_http",
        labels={"service": service},
        group_path=True,
        exclude=["^/health", f"^{METRICS_PATH}$"],
        exclude_unhandled_paths=True,
    )
    return config, PrometheusController


def serve(port: int, host: str) -> None:
    """/metrics on a port of its own, from a thread of prometheus_client's."""
    start_http_server(port, addr=host)
