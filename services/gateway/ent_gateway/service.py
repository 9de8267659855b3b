"""Wiring of the gateway: no domain data, no store, no broker; routes to the services."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from ent_kit import keys
from ent_kit.peers import PeerClient
from ent_kit.runtime import Runtime, ServiceDefinition, provide
from litestar.di import Provide

from ent_gateway.adapters.directory import DirectoryAccounts
from ent_gateway.adapters.service_reader import UpstreamReader
from ent_gateway.adapters.upstreams import Upstreams, pool_limits
from ent_gateway.application.home import Home
from ent_gateway.application.sign_in import SignIn
from ent_gateway.application.throttle import SignInThrottle, ThrottlePolicy
from ent_gateway.entrypoints.client_address import ClientAddresses
from ent_gateway.entrypoints.home import HomeController
from ent_gateway.entrypoints.http import ApiController, AuthController
from ent_gateway.entrypoints.pairing import PUBLIC_PATHS as PAIRING_PATHS
from ent_gateway.entrypoints.pairing import PairingController, build_pairing
from ent_gateway.entrypoints.web import PAGE_HANDLERS, STATIC_ROUTER
from ent_gateway.settings import GatewaySettings


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    upstreams = Upstreams(
        settings.upstream_map(), settings.upstream_timeout_s, pool_limits(settings)
    )
    runtime.close_on_stop(upstreams.close)
    directory_url = upstreams.url("directory")
    directory = (
        PeerClient(
            directory_url, settings, callee="directory", timeout_s=settings.upstream_timeout_s
        )
        if directory_url
        else None
    )
    if directory is not None:
        runtime.close_on_stop(directory.close)
    sign_in = SignIn(
        DirectoryAccounts(directory),
        signing_key=keys.private_key(settings.user_token_signing_key),
        issuer=settings.auth_issuer,
        token_ttl=timedelta(seconds=settings.token_ttl_s),
        dev_login=settings.dev_login,
        throttle=throttle(settings),
    )
    pairing = build_pairing(settings, upstreams, directory, sign_in)
    home = Home(UpstreamReader(upstreams), settings.home_layout(), settings.home_block_timeout_s)
    addresses = ClientAddresses(settings.trusted_proxy_header, settings.trusted_proxy_hops)
    return {
        "upstreams": provide(lambda: upstreams),
        "sign_in": provide(lambda: sign_in),
        "client_addresses": provide(lambda: addresses),
        "home": provide(lambda: home),
        "pairing": provide(lambda: pairing),
    }


def throttle(settings: GatewaySettings) -> SignInThrottle:
    def policy(free_failures: int) -> ThrottlePolicy:
        return ThrottlePolicy(
            free_failures=free_failures,
            first_delay_s=settings.sign_in_first_delay_s,
            max_delay_s=settings.sign_in_max_delay_s,
            window_s=settings.sign_in_window_s,
        )

    return SignInThrottle(
        policy(settings.sign_in_free_failures), policy(settings.sign_in_address_free_failures)
    )


SERVICE = ServiceDefinition(
    name="gateway",
    settings_type=GatewaySettings,
    controllers=[
        AuthController,
        PairingController,
        HomeController,
        ApiController,
        *PAGE_HANDLERS,
        STATIC_ROUTER,
    ],
    dependencies=dependencies,
    uses_storage=False,
    uses_broker=False,
    uses_blobs=False,
    public_paths=[
        "/api/auth/dev-login",
        "/api/auth/login",
        # Mobile pairing: the code, then the device's secret, is the credential.
        *PAIRING_PATHS,
        "/api/openapi.json",
        "/api/docs",
        # Redeeming a reset code: the code in the body is the credential.
        "/api/directory/password-reset",
        # A transfer's link: the token in the path is the credential (anyone, no account).
        "/api/transfer/links",
    ],
)
