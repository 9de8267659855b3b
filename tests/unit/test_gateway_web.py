"""The web app's pages and assets over HTTP: public shells that carry no one's data, each
with its script and the headers that keep other origins out; the browser tests
(tests/browser) drive the pages themselves."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from ent_gateway.web.pages import PAGES
from test_gateway_home_http import gateway_for

pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)


@pytest.fixture
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    async for client in gateway_for("mail=http://127.0.0.1:9"):
        yield client


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
async def test_each_page_is_served_without_a_token_with_its_own_script(
    gateway: httpx.AsyncClient, page: object
) -> None:
    path, name, title = page.path, page.name, page.title  # type: ignore[attr-defined]
    answer = await gateway.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert '<html lang="fr">' in html
    assert f"<title>{title} · ENT</title>" in html
    script = re.search(r'<script type="module" src="([^"]+)"></script>', html)
    assert script is not None
    assert script.group(1) == f"/static/js/{name}.js"
    asset = await gateway.get(script.group(1))
    assert asset.status_code == 200
    assert asset.headers["content-type"].startswith("text/javascript")
    # Nothing from another origin, nothing inline: the policy allows none.
    assert not re.search(r"""(?:src|href)=["']https?://""", html)
    assert "<script>" not in html
    assert " style=" not in html
    assert " on" + "click=" not in html


async def test_pages_keep_other_origins_out(gateway: httpx.AsyncClient) -> None:
    headers = (await gateway.get("/")).headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


async def test_the_navigation_marks_the_current_page(gateway: httpx.AsyncClient) -> None:
    html = (await gateway.get("/casier")).text
    assert '<a href="/casier" aria-current="page">Casier</a>' in html
    assert 'id="badge-unread"' in html  # the Messagerie link holds the live badge
    sign_in = (await gateway.get("/connexion")).text
    assert "<nav" not in sign_in  # no navigation before signing in


@pytest.mark.parametrize(
    "path", ["/static/../settings.py", "/static/%2e%2e/pages.py", "/static/js/nope.js"]
)
async def test_only_the_shipped_assets_are_served(gateway: httpx.AsyncClient, path: str) -> None:
    answer = await gateway.get(path)
    assert answer.status_code == 404


async def test_the_api_stays_behind_its_token(gateway: httpx.AsyncClient) -> None:
    # Public pages must not open anything else: the API still asks who is calling.
    assert (await gateway.get("/api/home")).status_code == 401
    assert (await gateway.get("/api/mail/folders")).status_code == 401
