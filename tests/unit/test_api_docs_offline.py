"""The API docs pages work offline: each service's `/schema` and the gateway's `/api/docs`
load Scalar from their own origin, the exact shipped file the page's integrity names, and
nothing from anywhere else (their Content-Security-Policy says so to the browser too).

Over real HTTP (uvicorn on a socket), without a token (the pages are public); with
chromium at hand, a real browser that can reach no other host renders the gateway's page."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import shutil
import subprocess
import zipfile
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from ent_gateway import service as gateway_service
from ent_gateway.settings import GatewaySettings
from ent_kit.api_docs import SCALAR_JS_FILE, SCALAR_JS_INTEGRITY, SCALAR_VERSION
from ent_kit.http import create_app
from ent_kit.runtime import Runtime, ServiceDefinition
from ent_kit.settings import ServiceSettings
from kit_fixtures import TEST_KEYS
from opentelemetry.sdk.trace import TracerProvider
from test_gateway_home_http import serve

pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ONE_YEAR = 365 * 24 * 3600


class Loads(HTMLParser):
    """Every URL a page names (src, href), and its scripts' (src, integrity)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.urls += [value for name, value in attrs if name in {"src", "href"} and value]
        if tag == "script" and named.get("src"):
            self.scripts.append((str(named["src"]), named.get("integrity")))


def loads_of(page: str) -> Loads:
    parser = Loads()
    parser.feed(page)
    parser.close()
    return parser


def sha384(data: bytes) -> str:
    return f"sha384-{base64.b64encode(hashlib.sha384(data).digest()).decode()}"


async def serving(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    server, running, port = await serve(app)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        yield client
    server.should_exit = True
    await running


@pytest.fixture
async def service() -> AsyncIterator[httpx.AsyncClient]:
    """A kit service checking user tokens (so a page needing one would answer 401)."""
    definition = ServiceDefinition(
        name="t", uses_storage=False, uses_broker=False, uses_blobs=False
    )
    settings = ServiceSettings(
        service_name="t", user_token_public_key=TEST_KEYS.user_token_public_key
    )
    async for client in serving(create_app(Runtime(definition, settings, TracerProvider()))):
        yield client


def gateway_app() -> Any:
    # An upstream nobody answers: the merged document is the gateway's own.
    settings = GatewaySettings(
        service_name="gateway",
        upstreams="mail=http://127.0.0.1:9",
        upstream_timeout_s=0.5,
        **TEST_KEYS.settings("gateway"),
    )
    return create_app(Runtime(gateway_service.SERVICE, settings, TracerProvider()))


@pytest.fixture
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    async for client in serving(gateway_app()):
        yield client


async def check_docs_page(client: httpx.AsyncClient, path: str) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    origin = urlsplit(str(page.url))[:2]
    loads = loads_of(page.text)
    assert loads.urls, "the page names its script"
    for url in loads.urls:
        resolved = urlsplit(urljoin(str(page.url), url))
        # `data:` (the empty icon) is no request at all.
        assert resolved.scheme == "data" or resolved[:2] == origin, url
    # Nothing else reaches the browser either: only this origin in the policy.
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    assert "http" not in policy
    assert "unsafe-eval" not in policy
    [(src, integrity)] = loads.scripts
    assert integrity == SCALAR_JS_INTEGRITY
    assert SCALAR_VERSION in src
    script = await client.get(urljoin(str(page.url), src))
    assert script.status_code == 200
    assert sha384(script.content) == integrity
    assert script.headers["content-type"].startswith("text/javascript")
    cache = {part.strip() for part in script.headers["cache-control"].split(",")}
    assert {f"max-age={ONE_YEAR}", "immutable"} <= cache


@pytest.mark.parametrize("path", ["/schema", "/schema/scalar"])
async def test_a_service_reference_page_loads_only_its_own_shipped_script(
    service: httpx.AsyncClient, path: str
) -> None:
    await check_docs_page(service, path)


async def test_the_gateway_reference_page_loads_only_its_own_shipped_script(
    gateway: httpx.AsyncClient,
) -> None:
    await check_docs_page(gateway, "/api/docs")


async def test_the_script_route_is_not_in_the_api_document(gateway: httpx.AsyncClient) -> None:
    document = (await gateway.get("/api/openapi.json")).json()
    assert "/api/docs" in document["paths"]
    assert not [path for path in document["paths"] if "scalar" in path]


def test_the_shipped_script_is_the_pinned_release() -> None:
    assert sha384(SCALAR_JS_FILE.read_bytes()) == SCALAR_JS_INTEGRITY
    assert (SCALAR_JS_FILE.parent / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv builds the wheel")
def test_the_kit_wheel_carries_the_script(tmp_path: Path) -> None:
    # The container image installs the kit as a wheel (--no-editable), not from the tree.
    subprocess.run(
        ["uv", "build", "--package", "ent-kit", "--wheel", "--out-dir", str(tmp_path)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("ent_kit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("ent_kit/static/scalar/standalone.js")
        assert "ent_kit/static/scalar/LICENSE" in archive.namelist()
    assert sha384(shipped) == SCALAR_JS_INTEGRITY


# --- in a browser ------------------------------------------------------------------------


def browse(url: str, rendered: str) -> tuple[str, list[dict[str, Any]], set[str]]:
    """Open `url` in headless chromium that resolves no host but 127.0.0.1; wait until the
    page shows `rendered`. Its text, console entries and every URL it requested."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.get(url)
        body = driver.find_element(By.TAG_NAME, "body")

        def shown(_: Any) -> bool:
            return rendered in body.text

        # A wait for the page, not a timing: generous for a busy machine.
        WebDriverWait(driver, 60).until(shown)
        text: str = body.text
        console: list[dict[str, Any]] = driver.get_log("browser")
        requested = {
            message["params"]["request"]["url"]
            for entry in driver.get_log("performance")
            if (message := json.loads(entry["message"])["message"])["method"]
            == "Network.requestWillBeSent"
        }
    finally:
        driver.quit()
    return text, console, requested


@pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="needs chromium and chromedriver"
)
async def test_the_gateway_reference_page_renders_in_a_browser_with_no_internet(
    gateway: httpx.AsyncClient,
) -> None:
    origin = str(gateway.base_url).rstrip("/")
    text, console, requested = await asyncio.to_thread(
        browse, f"{origin}/api/docs", "/api/auth/login"
    )
    # Scalar drew the merged document (it renders the operations lazily: its title and an
    # operation's path, which the wait looked for, are what is always on screen).
    assert "ENT API" in text
    assert "/api/auth/login" in text
    # No refused script (integrity), no CSP violation, no failed load.
    assert [entry for entry in console if entry["level"] == "SEVERE"] == []
    assert {url for url in requested if not url.startswith(f"{origin}/")} == set()
    assert f"{origin}/api/docs/scalar-{SCALAR_VERSION}.js" in requested


@pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="needs chromium and chromedriver"
)
async def test_a_service_reference_page_renders_in_a_browser_with_no_internet(
    service: httpx.AsyncClient,
) -> None:
    origin = str(service.base_url).rstrip("/")
    _, console, requested = await asyncio.to_thread(browse, f"{origin}/schema", "ENT t")
    assert [entry for entry in console if entry["level"] == "SEVERE"] == []
    assert {url for url in requested if not url.startswith(f"{origin}/")} == set()
    assert f"{origin}/schema/scalar-{SCALAR_VERSION}.js" in requested
