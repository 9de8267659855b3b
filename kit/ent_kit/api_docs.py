"""The API reference page (`/schema`): Scalar, at an exact version, checked by the browser.

Litestar's Scalar page loads `@scalar/api-reference@latest` and a stylesheet and icon from
a branch (`@main`) of another repository: whatever those URLs serve tomorrow would run on
our origin. Here the script is one exact file of one exact release, with Subresource
Integrity (a changed file is refused by the browser), and nothing else is loaded."""

from __future__ import annotations

import html
from typing import Any

from litestar import Request
from litestar.openapi.plugins import ScalarRenderPlugin

SCALAR_VERSION = "1.76.0"
SCALAR_JS_URL = (
    f"https://cdn.jsdelivr.net/npm/@scalar/api-reference@{SCALAR_VERSION}"
    "/dist/browser/standalone.js"
)
# sha384 of package/dist/browser/standalone.js in the npm tarball of that version
# (`npm pack @scalar/api-reference@1.76.0`); change both together.
SCALAR_JS_INTEGRITY = "sha384-oH1C0RwqcwbVXkC+r8A+4qRoyEUQdtxAzOwumkxZtQBBcsy61FOoPt7B50OVJYYQ"


class PinnedScalar(ScalarRenderPlugin):
    def __init__(self, *, path: str = "/scalar") -> None:
        super().__init__(js_url=SCALAR_JS_URL, path=path, favicon="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        schema_url = html.escape(self.get_openapi_json_route(request), quote=True)
        return f"""<!DOCTYPE html>
<html>
  <head>
    <title>{title}</title>
    {self.style}
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1">
  </head>
  <body>
    <noscript>La documentation de l'API a besoin de JavaScript.</noscript>
    <script id="api-reference" data-url="{schema_url}"></script>
    <script src="{self.js_url}" integrity="{SCALAR_JS_INTEGRITY}" crossorigin="anonymous"></script>
  </body>
</html>
""".encode()
