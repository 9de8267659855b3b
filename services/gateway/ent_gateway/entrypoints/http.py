"""Gateway HTTP: sign-in, the merged API document, and the authenticated proxy to services."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

import msgspec
from ent_kit import texts as kit_texts
from ent_kit.api_docs import (
    DOCS_HEADERS,
    SCALAR_JS_NAME,
    scalar_page,
    scalar_script,
    scalar_script_get,
)
from ent_kit.auth import Identity
from ent_kit.controllers import AnyRequest
from ent_kit.errors import Unauthenticated
from ent_kit.problems import Problem
from litestar import Controller, Request, get, post, route
from litestar.background_tasks import BackgroundTask
from litestar.enums import HttpMethod
from litestar.response import File, Response, Stream

from ent_gateway import texts
from ent_gateway.adapters.upstreams import Upstreams
from ent_gateway.application.client_limits import client_key
from ent_gateway.application.openapi import merge
from ent_gateway.application.sign_in import SignedIn, SignIn
from ent_gateway.entrypoints.client_address import ClientAddresses

# The same pinned, integrity-checked script as every service's /schema page, served by
# the gateway itself under the page's public path (no other origin: it works offline).
DOCS_SCRIPT_PATH = f"/api/docs/{SCALAR_JS_NAME}"
DOCS_HTML = scalar_page(
    title="ENT API", schema_url="/api/openapi.json", script_url=DOCS_SCRIPT_PATH
)


# What a path segment may hold unencoded (RFC 3986 pchar); anything else is sent encoded.
_PCHAR_SAFE = "!$&'()*+,;=:@~"


def forwarded_path(raw_path: bytes, service: str) -> str | None:
    """The path `/api/<service>/<rest>` asks the service for, `/<service>/<rest>` with each
    segment percent-encoded again; None (a 404) when a segment, once decoded, is `.` or
    `..`, holds a `/` or `\\`, or is empty but last: the service would route it elsewhere
    (its internal routes, another prefix). Read from the raw path, as the client sent it."""
    segments = raw_path.split(b"?", 1)[0].decode("latin-1").split("/")
    if len(segments) < 4 or segments[:2] != ["", "api"] or unquote(segments[2]) != service:
        return None
    rest = [unquote(segment) for segment in segments[3:]]
    for i, segment in enumerate(rest):
        if segment in {".", ".."} or "/" in segment or "\\" in segment:
            return None
        if not segment and i < len(rest) - 1:
            return None
    if not rest[0] or rest[0].casefold().startswith("internal"):
        return None
    return f"/{service}/" + "/".join(quote(segment, safe=_PCHAR_SAFE) for segment in rest)


class DevLogin(msgspec.Struct, frozen=True):
    login: str


class PasswordLogin(msgspec.Struct, frozen=True):
    login: str
    password: str


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/dev-login", summary="Sign in as a seeded demo user (embedded profile only)")
    async def dev_login(self, data: DevLogin, sign_in: SignIn) -> SignedIn:
        return await sign_in.as_demo_user(data.login)

    @post(
        "/login",
        summary="Sign in with a login and password (local accounts)",
        description="After a few failures for a login or from an address, each further "
        "attempt must wait a doubling delay: 429 `too_many_attempts` with `Retry-After`.",
    )
    async def login(
        self,
        request: AnyRequest,
        data: PasswordLogin,
        sign_in: SignIn,
        client_addresses: ClientAddresses,
    ) -> SignedIn:
        address = client_addresses.of(request)
        return await sign_in.with_password(data.login, data.password, address)

    @get("/me", summary="Who the bearer token says I am, while its session lasts")
    async def me(self, request: AnyRequest, upstreams: Upstreams) -> Identity:
        # The gateway keeps no session versions (no store): the directory, which does,
        # says whether this token's session has ended (a freeze, a new password…).
        directory = upstreams.url("directory")
        if directory is not None:
            answer = await upstreams.forward(
                "GET",
                f"{directory}/directory/me",
                {"authorization": request.headers.get("authorization", "")},
                None,
            )
            await answer.close()
            if answer.status_code == 401:
                raise Unauthenticated("", "session_ended", texts.SESSION_ENDED)
        return request.user


class ApiController(Controller):
    path = "/api"

    @get("/openapi.json", summary="The whole platform's OpenAPI document", tags=["docs"])
    async def openapi(
        self, request: Request[Any, Any, Any], upstreams: Upstreams
    ) -> dict[str, Any]:
        own = request.app.openapi_schema.to_schema()
        return merge(own, await upstreams.openapi_documents())

    @get("/docs", summary="API reference page", tags=["docs"], media_type="text/html")
    async def docs(self) -> Response[str]:
        return Response(DOCS_HTML, headers=DOCS_HEADERS)

    @scalar_script_get(f"/docs/{SCALAR_JS_NAME}")
    def docs_script(self) -> File:
        return scalar_script()

    @route(
        "/{service:str}/{path:path}",
        http_method=[
            HttpMethod.GET,
            HttpMethod.POST,
            HttpMethod.PUT,
            HttpMethod.PATCH,
            HttpMethod.DELETE,
            # tus asks an upload's offset with HEAD and its capabilities with OPTIONS.
            HttpMethod.HEAD,
            HttpMethod.OPTIONS,
        ],
        include_in_schema=False,
        # Streamed on, never buffered: each service applies its own limits.
        request_max_body_size=None,
    )
    async def proxy(
        self,
        request: AnyRequest,
        upstreams: Upstreams,
        client_addresses: ClientAddresses,
        service: str,
        path: str,
    ) -> Response[bytes] | Stream:
        base = upstreams.url(service)
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        forwarded = forwarded_path(raw_path, service)
        if base is None or forwarded is None:
            raise Problem(404, "not_found", kit_texts.NOT_FOUND)
        url = f"{base}{forwarded}"
        if request.url.query:
            url += f"?{request.url.query}"
        # The body goes on as the client sent it, whatever the method (a DELETE, even a GET,
        # may carry one: the service judges it). Dropped while its Content-Length went on,
        # the request upstream was malformed and the client got a 500.
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        body = request.stream() if has_body else None
        # The pool to the services is shared: each client has a bounded share (429 beyond).
        # Public routes (a password reset) carry no identity: the address stands for them.
        user = request.scope.get("user")
        client = client_key(getattr(user, "user_id", None), client_addresses.of(request))
        answer = await upstreams.forward(
            request.method, url, dict(request.headers), body, client=client
        )
        if answer.is_small():
            headers = {k: v for k, v in answer.headers.items() if k != "content-type"}
            return Response(
                await answer.read(),
                status_code=answer.status_code,
                headers=headers,
                media_type=answer.headers.get("content-type"),
            )
        return Stream(
            answer.body,
            status_code=answer.status_code,
            headers=answer.headers,
            background=BackgroundTask(answer.close),
        )
