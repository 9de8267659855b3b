"""Readiness depends on what the request path needs: a service whose broker cannot be
reached starts, answers 200 and names the broker's state apart, under `non_blocking`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ent_contracts import topics
from ent_devstack.stack import free_port
from ent_kit import runtime as runtime_module
from ent_kit.http import create_app
from ent_kit.runtime import Runtime, ServiceDefinition
from ent_kit.settings import ServiceSettings
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider

SECRET = "k" * 40


async def test_ready_without_the_broker_names_it_non_blocking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_module, "BROKER_HEAD_START_S", 0.1)
    definition = ServiceDefinition(name="t", topics=[topics.MAIL], uses_blobs=False)
    settings = ServiceSettings(
        service_name="t",
        store_url=f"sqlite://{tmp_path}/t.db",
        kafka_bootstrap=f"127.0.0.1:{free_port()}",  # nothing listens there
    )
    runtime = Runtime(definition, settings, TracerProvider())

    async with AsyncTestClient(create_app(runtime)) as client:
        response = await client.get("/health/ready")

        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["status"] == "ok"
        assert body["checks"] == {"store": "ok"}
        assert body["non_blocking"]["broker"].startswith("unavailable: ")
        assert runtime.broker_connected is False
