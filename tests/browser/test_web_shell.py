"""The web app's shell and home page, in Chromium."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from web_page import Page


def test_a_visitor_is_sent_to_sign_in_and_back_to_the_page_asked(page: Page) -> None:
    page.open("/casier")
    page.wait_until(lambda d: "/connexion" in d.current_url)
    page.find("#login").send_keys("lucas.martin")
    page.find("#password").send_keys("not the password")
    page.find("#sign-in button[type=submit]").click()
    assert page.visible("#alerts .problem").text  # the refusal is said, on the page
    assert page.driver.current_url.endswith("/connexion?suite=%2Fcasier")
    page.sign_in("lucas.martin", then="/casier")
    assert page.find("nav a[aria-current=page]").text.startswith("Casier")


def test_a_parent_switches_child_on_the_home_page(page: Page) -> None:
    page.sign_in("adam.david")
    page.find(".block-messages[data-status]")
    names = [e.text for e in page.driver.find_elements(By.CSS_SELECTOR, "#home .child-name")]
    assert len(names) == 2, names
    switch = page.visible("#child")
    options = switch.find_elements(By.TAG_NAME, "option")
    chosen = options[2]
    chosen_name = chosen.text
    chosen.click()
    page.wait_until(
        lambda d: (
            [e.text for e in d.find_elements(By.CSS_SELECTOR, "#home .child-name")] == [chosen_name]
        )
    )
    homework = page.find("#home [data-child] .block-homework")
    assert homework.get_attribute("data-status") == "ok"
    options[0].click()  # « Tous mes enfants » again
    page.wait_until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#home .child-name")) == 2)
