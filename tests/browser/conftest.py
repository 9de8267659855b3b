"""The web app in a real browser: Debian's Chromium, headless, driven by selenium, against
the whole platform started as `make run` starts it (one stack for the directory's tests).

On a failure, the page's screenshot and HTML are written to `tests/artifacts/browser/`."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from ent_devstack.stack import Ports, Stack
from mail_relay import Relay
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from web_page import Page

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SEED_TIMEOUT_S = 240.0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def relay() -> Iterator[Relay]:
    received = Relay()
    controller = Controller(received, hostname="127.0.0.1", port=received.port)
    controller.start()
    yield received
    controller.stop()


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory, relay: Relay) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("browser-platform")
    env = {
        "ENT_HOME_BLOCK_TIMEOUT_S": "10",
        "ENT_NOTIFICATION_SMTP_URL": f"smtp://127.0.0.1:{relay.port}",
        "ENT_NOTIFICATION_INTERVAL_S": "0.5",
    }
    stack = Stack(data_dir, Ports.free(), extra_env=env)
    # Roomy: on a busy machine (2 cores, other platforms starting) a start takes over 60 s.
    stack.start(timeout=300)
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def gateway(platform: Stack) -> str:
    """The gateway's URL, once the school-life demo seed has landed (its agenda last)."""
    url = platform.gateway_url
    with httpx.Client(base_url=url, timeout=30.0) as api:

        def headers(login: str) -> dict[str, str]:
            signed_in = api.post("/api/auth/dev-login", json={"login": login}).json()
            return {"authorization": f"Bearer {signed_in['access_token']}"}

        student, staff = headers("juliette.david"), headers("marc.cpe")
        deadline = time.monotonic() + SEED_TIMEOUT_S
        while time.monotonic() < deadline:
            week = api.get("/api/schoollife/timetable/week", headers=student)
            agenda = api.get("/api/schoollife/agenda", headers=staff)
            seeded = week.status_code == 200 and week.json()["occurrences"]
            if seeded and agenda.status_code == 200:
                titles = {i["title"] for i in agenda.json()["items"]}
                if "Sortie au musée" in titles:
                    return url
            time.sleep(1.0)
    pytest.fail("the demo school's school life was not seeded in time")


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--lang=fr-FR",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            keep_evidence(driver, request.node.name)
        driver.quit()


def keep_evidence(driver: webdriver.Chrome, test_name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]", "_", test_name)
    driver.save_screenshot(str(ARTIFACTS / f"{stem}.png"))
    (ARTIFACTS / f"{stem}.html").write_text(driver.page_source, encoding="utf-8")


@pytest.fixture
def page(browser: webdriver.Chrome, gateway: str) -> Page:
    return Page(browser, gateway)
