"""Wiring of the gateway: no domain data, no store, no broker; routes to the services."""

from __future__ import annotations

from collections.abc import Mapping

from ent_kit.runtime import Runtime, ServiceDefinition
from litestar.di import Provide

from ent_gateway.adapters.upstreams import Upstreams
from ent_gateway.entrypoints.http import ApiController, AuthController
from ent_gateway.settings import GatewaySettings


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    upstreams = Upstreams(settings.upstream_map(), settings.upstream_timeout_s)
    runtime.close_on_stop(upstreams.close)
    return {"upstreams": Provide(lambda: upstreams, sync_to_thread=False)}


SERVICE = ServiceDefinition(
    name="gateway",
    settings_type=GatewaySettings,
    controllers=[AuthController, ApiController],
    dependencies=dependencies,
    uses_storage=False,
    uses_broker=False,
    uses_blobs=False,
    public_paths=["/api/auth/dev-login", "/api/auth/login", "/api/openapi.json", "/api/docs"],
)
