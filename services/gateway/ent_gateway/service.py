"""Wiring of the gateway: no domain data, no store, no broker; routes to the services."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from ent_kit.peers import PeerClient
from ent_kit.runtime import Runtime, ServiceDefinition, provide
from litestar.di import Provide

from ent_gateway.adapters.directory import DirectoryAccounts
from ent_gateway.adapters.upstreams import Upstreams
from ent_gateway.application.sign_in import SignIn
from ent_gateway.entrypoints.http import ApiController, AuthController
from ent_gateway.settings import GatewaySettings


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    upstreams = Upstreams(settings.upstream_map(), settings.upstream_timeout_s)
    runtime.close_on_stop(upstreams.close)
    directory_url = upstreams.url("directory")
    directory = (
        PeerClient(directory_url, settings, timeout_s=settings.upstream_timeout_s)
        if directory_url
        else None
    )
    if directory is not None:
        runtime.close_on_stop(directory.close)
    sign_in = SignIn(
        DirectoryAccounts(directory),
        secret=settings.auth_secret,
        issuer=settings.auth_issuer,
        token_ttl=timedelta(seconds=settings.token_ttl_s),
        dev_login=settings.dev_login,
    )
    return {
        "upstreams": provide(lambda: upstreams),
        "sign_in": provide(lambda: sign_in),
    }


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
