"""The reference web app, in French, at `/`: server-rendered page shells, static assets.

A page's HTML carries no one's data, so it is public: its script signs in, keeps the token
for the tab (sessionStorage) and reads the JSON API under `/api` as any frontend would.
Frontend teams read `web/static/js/` as the reference of how the API is used."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from jinja2 import Environment, PackageLoader, select_autoescape
from litestar import get
from litestar.datastructures import CacheControlHeader
from litestar.enums import MediaType
from litestar.handlers import HTTPRouteHandler
from litestar.response import Response
from litestar.static_files import create_static_files_router

from ent_gateway.web.pages import PAGES, Page

WEB_DIR: Final = Path(__file__).resolve().parent.parent / "web"
PUBLIC: Final = {"exclude_from_auth": True}
# Everything the pages load comes from this origin; no inline script or style.
SECURITY_HEADERS: Final = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; "
        "style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}

_templates = Environment(
    loader=PackageLoader("ent_gateway.web", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(page: Page) -> Response[str]:
    html = _templates.get_template(page.template).render(page=page, pages=PAGES)
    return Response(
        html,
        media_type=MediaType.HTML,
        headers={**SECURITY_HEADERS, "cache-control": "no-cache"},
    )


def _page_handler(page: Page) -> HTTPRouteHandler:
    @get(
        page.path,
        name=f"web.{page.name}",
        include_in_schema=False,
        opt=PUBLIC,
        sync_to_thread=False,
    )
    def show() -> Response[str]:
        return render(page)

    return show


PAGE_HANDLERS = [_page_handler(page) for page in PAGES]

STATIC_ROUTER = create_static_files_router(
    path="/static",
    directories=[WEB_DIR / "static"],
    opt=PUBLIC,
    include_in_schema=False,
    # Revalidated each time (ETag): a deployment's new script is taken at once.
    cache_control=CacheControlHeader(no_cache=True),
    send_as_attachment=False,
)
