"""/metrics: HTTP rate, errors and duration per route template, and the pipeline gauges."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from ent_kit.auth import Identity
from ent_kit.http import create_app
from ent_kit.metrics import PipelineSample, record
from ent_kit.runtime import Runtime, ServiceDefinition
from ent_kit.settings import ServiceSettings
from kit_fixtures import TEST_KEYS
from litestar import get
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import REGISTRY

pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)


@get("/things/{thing_id:str}")
async def thing(thing_id: str) -> dict[str, str]:
    if thing_id == "bad":
        raise ValueError("boom")
    return {"id": thing_id}


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient[Any]]:
    definition = ServiceDefinition(
        name="metered",
        controllers=[thing],
        uses_storage=False,
        uses_broker=False,
        uses_blobs=False,
    )
    settings = ServiceSettings(
        service_name="metered", user_token_public_key=TEST_KEYS.user_token_public_key
    )
    runtime = Runtime(definition, settings, TracerProvider())
    async with AsyncTestClient(create_app(runtime)) as test_client:
        yield test_client


def value(name: str, **labels: str) -> float:
    found = REGISTRY.get_sample_value(name, labels)
    return found or 0.0


async def test_requests_are_counted_per_route_template_and_scraped_without_token(
    client: AsyncTestClient[Any],
) -> None:
    token = TEST_KEYS.user_token(Identity(user_id="u", profile="teacher"), timedelta(minutes=5))
    auth = {"Authorization": f"Bearer {token}"}
    labels = {
        "app_name": "ent-metered",
        "method": "GET",
        "path": "/things/{thing_id}",
        "service": "metered",
    }
    before = value("ent_http_requests_total", status_code="200", **labels)

    for thing_id in ("a", "b", "c"):
        assert (await client.get(f"/things/{thing_id}", headers=auth)).status_code == 200
    assert (await client.get("/things/bad", headers=auth)).status_code == 500
    scraped = await client.get("/metrics")

    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    assert value("ent_http_requests_total", status_code="200", **labels) == before + 3
    assert value("ent_http_requests_total", status_code="500", **labels) >= 1
    assert "ent_http_request_duration_seconds_bucket" in scraped.text
    assert 'path="/things/a"' not in scraped.text  # ids never become labels


def test_pipeline_sample_becomes_gauges() -> None:
    record(
        "sampled",
        PipelineSample(
            last_position=120,
            outbox_position=100,
            projection_positions={"locker": 120, "workspace": 90},
            broker_connected=False,
            lease_held=True,
        ),
    )

    assert value("ent_outbox_lag_events", service="sampled") == 20
    assert value("ent_projection_lag_events", service="sampled", projection="locker") == 0
    assert value("ent_projection_lag_events", service="sampled", projection="workspace") == 30
    assert value("ent_broker_connected", service="sampled") == 0
    assert value("ent_pipeline_lease_held", service="sampled") == 1
