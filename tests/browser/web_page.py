"""What a browser test does on a page, as a user would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ent_directory.domain.demo_school import DEMO_PASSWORD
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

WAIT_S = 20.0


class Page:
    """What a test does on a page, as a user would: sign in, wait, find, drop files."""

    def __init__(self, driver: webdriver.Chrome, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def open(self, path: str) -> None:
        self.driver.get(f"{self.base_url}{path}")

    def sign_in(self, login: str, then: str = "/") -> None:
        """Through the sign-in form, with the demo password, as a person would."""
        self.open(f"/connexion?suite={quote(then, safe='')}")
        self.find("#login").send_keys(login)
        self.find("#password").send_keys(DEMO_PASSWORD)
        self.find("#sign-in button[type=submit]").click()
        self.wait_until(
            lambda d: (
                d.current_url.rstrip("/").endswith(then.rstrip("/"))
                and "connexion" not in d.current_url
            )
        )

    def find(self, css: str) -> WebElement:
        return WebDriverWait(self.driver, WAIT_S).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, css))
        )

    def visible(self, css: str) -> WebElement:
        return WebDriverWait(self.driver, WAIT_S).until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, css))
        )

    def wait_for_text(self, css: str, text: str) -> WebElement:
        WebDriverWait(self.driver, WAIT_S).until(
            ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text)
        )
        return self.find(css)

    def wait_until(self, condition: Callable[[webdriver.Chrome], Any]) -> Any:
        """Until `condition` holds; an element it read that the page re-rendered meanwhile
        (stale) or has not rendered yet is asked again, not a failure."""
        waiting = WebDriverWait(
            self.driver, WAIT_S, ignored_exceptions=(StaleElementReferenceException, StopIteration)
        )
        return waiting.until(condition)

    def drop_files(self, target_css: str, *paths: Path) -> None:
        """Drags real files from disk onto an element: selenium cannot drag from the
        desktop, so a file input outside the page's markup takes the files, and the page's
        own drop handler receives them in a `drop` event, as from a file manager."""
        picker = self.driver.execute_script(
            "const i = document.createElement('input'); i.type = 'file'; i.multiple = true;"
            "i.id = '__test_drop_source'; i.style.display = 'none';"
            "document.body.append(i); return i;"
        )
        picker.send_keys("\n".join(str(p) for p in paths))
        self.driver.execute_script(
            "const [target, input] = arguments; const dt = new DataTransfer();"
            "for (const f of input.files) dt.items.add(f);"
            "for (const type of ['dragenter', 'dragover', 'drop']) {"
            "  target.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true,"
            " dataTransfer: dt}));"
            "} input.remove();",
            self.find(target_css),
            picker,
        )
