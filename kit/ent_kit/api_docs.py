"""The API reference pages (each service's `/schema`, the gateway's `/api/docs`): Scalar,
at an exact version, served by our own origin and checked by the browser.

Litestar's Scalar page loads `@scalar/api-reference@latest` and a stylesheet and icon from
a branch (`@main`) of another repository: whatever those URLs serve tomorrow would run on
our origin, and with no internet (a school's network, a train, a CI) the page is blank.
Here the script is one exact file of one exact release, shipped in this package
(`static/scalar/`, see its README), served next to the page with Subresource Integrity
(a changed file is refused by the browser), and a Content-Security-Policy keeps the page
from loading anything from elsewhere (Scalar's fonts, telemetry, proxy, chat…)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Final

import msgspec
from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.response import File

SCALAR_VERSION = "1.76.0"
# sha384 of package/dist/browser/standalone.js in the npm tarball of that version
# (`npm pack @scalar/api-reference@1.76.0`), which is SCALAR_JS_FILE; change all three
# together with `scripts/update_scalar.py`.
SCALAR_JS_INTEGRITY = "sha384-oH1C0RwqcwbVXkC+r8A+4qRoyEUQdtxAzOwumkxZtQBBcsy61FOoPt7B50OVJYYQ"
SCALAR_JS_FILE: Final = Path(__file__).resolve().parent / "static" / "scalar" / "standalone.js"
# The version is in the script's URL, so a browser may keep it for a year unasked.
SCALAR_JS_NAME: Final = f"scalar-{SCALAR_VERSION}.js"
SCALAR_JS_CACHE: Final = CacheControlHeader(public=True, max_age=365 * 24 * 3600, immutable=True)

# Scalar adds <style> elements and style attributes (hence 'unsafe-inline' for styles
# only); every script, font, image and request stays on this origin. Its "Test request"
# client calls the API on this origin, which connect-src allows.
DOCS_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_HEADERS: Final = {
    "content-security-policy": DOCS_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
# What Scalar would otherwise fetch from its own servers; the CSP would block it anyway,
# this keeps it from trying (and the console quiet).
SCALAR_CONFIGURATION: Final = {
    "withDefaultFonts": False,
    "telemetry": False,
    "agent": {"disabled": True},
}


def scalar_script_get(path: str, *, name: str | None = None) -> get:
    """The GET route decorator for the script at `path`: public (the pages that load it
    are), out of the API document, cached for good. For a function or a controller's
    method returning `scalar_script()`."""
    return get(
        path,
        name=name,
        include_in_schema=False,
        opt={"exclude_from_auth": True},
        cache_control=SCALAR_JS_CACHE,
        sync_to_thread=False,
    )


def scalar_script() -> File:
    """The shipped Scalar script, streamed from the package's files."""
    return File(
        SCALAR_JS_FILE,
        filename=SCALAR_JS_NAME,
        media_type="text/javascript",
        content_disposition_type="inline",
    )


def scalar_page(*, title: str, schema_url: str, script_url: str, style: str = "") -> str:
    """The HTML of a reference page reading the OpenAPI document at `schema_url` with the
    script at `script_url` (same origin, checked against SCALAR_JS_INTEGRITY)."""
    configuration = msgspec.json.encode(SCALAR_CONFIGURATION).decode()
    return f"""<!DOCTYPE html>
<html>
  <head>
    <title>{html.escape(title)}</title>
    {style}
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <link rel="icon" href="data:,">
  </head>
  <body>
    <noscript>La documentation de l'API a besoin de JavaScript.</noscript>
    <script id="api-reference" data-url="{html.escape(schema_url, quote=True)}"
      data-configuration="{html.escape(configuration, quote=True)}"></script>
    <script src="{html.escape(script_url, quote=True)}" integrity="{SCALAR_JS_INTEGRITY}"
      crossorigin="anonymous"></script>
  </body>
</html>
"""


class PinnedScalar(ScalarRenderPlugin):
    """Litestar's Scalar plugin with our page, script route and headers."""

    script_route_name: Final = "ent_kit.scalar_js"

    def __init__(self, *, path: str = "/scalar") -> None:
        super().__init__(js_url=SCALAR_JS_NAME, path=path, favicon="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return scalar_page(
            title=str(openapi_schema["info"]["title"]),
            schema_url=self.get_openapi_json_route(request),
            script_url=request.app.route_reverse(self.script_route_name),
            style=self.style,
        ).encode()

    def receive_router(self, router: Router) -> None:
        """The script beside the page (`/schema/scalar-<version>.js`), and the docs headers
        on the router's answers: Litestar builds the page handler itself, so the router
        is where its headers can be set."""
        router.register(
            scalar_script_get(f"/{SCALAR_JS_NAME}", name=self.script_route_name)(scalar_script)
        )
        router.response_headers = [
            *(router.response_headers or ()),
            *(ResponseHeader(name=name, value=value) for name, value in DOCS_HEADERS.items()),
        ]
