"""Gateway HTTP: sign-in, the merged API document, and the authenticated proxy to services."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import msgspec
from ent_kit.auth import Identity, issue_token, service_identity
from ent_kit.problems import Problem
from ent_kit.runtime import Runtime
from litestar import Controller, Request, get, post, route
from litestar.background_tasks import BackgroundTask
from litestar.enums import HttpMethod
from litestar.response import Stream

from ent_gateway.adapters.upstreams import HOP_BY_HOP, SET_BY_GATEWAY, Upstreams
from ent_gateway.application.openapi import merge
from ent_gateway.settings import GatewaySettings

DOCS_HTML = """<!doctype html>
<html><head><title>ENT API</title><meta charset="utf-8"/></head>
<body><script id="api-reference" data-url="/api/openapi.json"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script></body></html>"""


class DevLogin(msgspec.Struct, frozen=True):
    login: str


class PasswordLogin(msgspec.Struct, frozen=True):
    login: str
    password: str


class SignedIn(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    user: Identity


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/dev-login", summary="Sign in as a seeded demo user (embedded profile only)")
    async def dev_login(self, data: DevLogin, runtime: Runtime, upstreams: Upstreams) -> SignedIn:
        settings = _settings(runtime)
        if not settings.dev_login:
            raise Problem(404, "not_found", "Not Found")
        account = await _directory(settings, upstreams, "GET", f"accounts/{data.login}")
        return _signed_in(settings, account)

    @post("/login", summary="Sign in with a login and password (local accounts)")
    async def login(self, data: PasswordLogin, runtime: Runtime, upstreams: Upstreams) -> SignedIn:
        settings = _settings(runtime)
        body = {"login": data.login, "password": data.password}
        account = await _directory(settings, upstreams, "POST", "authenticate", body)
        return _signed_in(settings, account)

    @get("/me", summary="Who the bearer token says I am")
    async def me(self, request: Request[Identity, Any, Any]) -> Identity:
        return request.user


def _signed_in(settings: GatewaySettings, account: dict[str, Any]) -> SignedIn:
    # A frozen account may sign in to read (its sends are refused); a departed one may not.
    if not account.get("active", False):
        raise Problem(401, "invalid_credentials", "Identifiant ou mot de passe incorrect")
    identity = Identity(
        user_id=account["user_id"],
        profile=account["profile"],
        school_id=account["school_id"],
        display_name=account["display_name"],
    )
    ttl = timedelta(seconds=settings.token_ttl_s)
    token = issue_token(settings.auth_secret, settings.auth_issuer, identity, ttl)
    return SignedIn(access_token=token, expires_in=settings.token_ttl_s, user=identity)


async def _directory(
    settings: GatewaySettings,
    upstreams: Upstreams,
    method: str,
    path: str,
    body: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Ask the directory's internal sign-in API, as the gateway (a short service token)."""
    base = upstreams.url("directory")
    if base is None:
        raise Problem(503, "upstream_unavailable", "Annuaire indisponible")
    token = issue_token(
        settings.auth_secret,
        settings.auth_issuer,
        service_identity("gateway"),
        timedelta(minutes=1),
    )
    response = await upstreams.client.request(
        method,
        f"{base}/directory/internal/{path}",
        json=body,
        headers=Upstreams.forward_headers({"authorization": f"Bearer {token}"}),
    )
    if response.status_code in (401, 404):
        raise Problem(
            401,
            "invalid_credentials",
            "Identifiant ou mot de passe incorrect",
            errors=[{"field": "login"}],
        )
    response.raise_for_status()
    account: dict[str, Any] = response.json()
    return account


class ApiController(Controller):
    path = "/api"

    @get("/openapi.json", summary="The whole platform's OpenAPI document", tags=["docs"])
    async def openapi(
        self, request: Request[Any, Any, Any], upstreams: Upstreams
    ) -> dict[str, Any]:
        own = request.app.openapi_schema.to_schema()
        names = sorted(upstreams.urls)
        documents = await asyncio.gather(*(_fetch_openapi(upstreams, n) for n in names))
        return merge(own, {n: d for n, d in zip(names, documents, strict=True) if d})

    @get("/docs", summary="API reference page", tags=["docs"], media_type="text/html")
    async def docs(self) -> str:
        return DOCS_HTML

    @route(
        "/{service:str}/{path:path}",
        http_method=[
            HttpMethod.GET,
            HttpMethod.POST,
            HttpMethod.PUT,
            HttpMethod.PATCH,
            HttpMethod.DELETE,
        ],
        include_in_schema=False,
    )
    async def proxy(
        self, request: Request[Identity, Any, Any], upstreams: Upstreams, service: str, path: str
    ) -> Stream:
        base = upstreams.url(service)
        if base is None or path.strip("/").startswith("internal"):
            raise Problem(404, "not_found", "Not Found")
        url = f"{base}/{service}{path}"
        if request.url.query:
            url += f"?{request.url.query}"
        has_body = request.method in ("POST", "PUT", "PATCH")
        upstream_request = upstreams.client.build_request(
            request.method,
            url,
            headers=Upstreams.forward_headers(dict(request.headers)),
            content=request.stream() if has_body else None,
        )
        try:
            response = await upstreams.client.send(upstream_request, stream=True)
        except httpx.TransportError as exc:
            raise Problem(
                503, "upstream_unavailable", f"Service {service} indisponible", detail=str(exc)
            ) from None
        return Stream(
            response.aiter_raw(),
            status_code=response.status_code,
            headers={
                k: v
                for k, v in response.headers.items()
                if k.lower() not in HOP_BY_HOP | SET_BY_GATEWAY
            },
            background=BackgroundTask(response.aclose),
        )


async def _fetch_openapi(upstreams: Upstreams, service: str) -> dict[str, Any] | None:
    try:
        response = await upstreams.client.get(f"{upstreams.urls[service]}/schema/openapi.json")
        response.raise_for_status()
    except httpx.HTTPError:
        return None  # a service that is down is left out rather than failing the whole document
    document: dict[str, Any] = response.json()
    return document


def _settings(runtime: Runtime) -> GatewaySettings:
    assert isinstance(runtime.settings, GatewaySettings)
    return runtime.settings
