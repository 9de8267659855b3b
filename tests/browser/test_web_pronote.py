"""The Vie scolaire page (/pronote) in Chromium: the week grid, « Déposer ma copie »,
the grades by subject with a parent's child switch, a teacher's hand-in list."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from web_page import Page

# A small but real PDF: its first bytes are what the service reads the type from.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def api_get(gateway: str, login: str, path: str, **params: str) -> Any:
    with httpx.Client(base_url=gateway, timeout=30.0) as api:
        token = api.post("/api/auth/dev-login", json={"login": login}).json()["access_token"]
        answer = api.get(path, params=params, headers={"authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return answer.json()


def lessons_shown(page: Page) -> list[tuple[str, str]]:
    """(day, text) of each lesson in the grid, read in one go: the grid is redrawn whole
    when the week changes, so elements found one call earlier may be gone."""
    pairs = page.driver.execute_script(
        "return [...document.querySelectorAll('#timetable td[data-day] .lesson')]"
        ".map((l) => [l.parentElement.dataset.day, l.innerText]);"
    )
    return [(day, text) for day, text in pairs]


def french(average: float) -> str:
    return f"{average:.2f}".replace(".", ",")


def test_a_student_sees_the_week_and_hands_in_a_copy(
    page: Page, gateway: str, tmp_path: Path
) -> None:
    week = api_get(gateway, "juliette.david", "/api/schoollife/timetable/week")
    monday = date.fromisoformat(week["week"])
    since = (date.today() - timedelta(days=date.today().weekday())).isoformat()
    work = api_get(gateway, "juliette.david", "/api/schoollife/notebook/homework", since=since)
    asking = sorted((w for w in work["items"] if w["hand_in"]), key=lambda w: w["status"]["copies"])
    assert asking, "the demo seed gives 3A homework asking for a copy"
    homework = asking[0]  # one not handed in yet, unless this platform saw it already
    copies = homework["status"]["copies"]

    page.sign_in("juliette.david", then="/pronote")
    page.wait_for_text("#week-title", "Semaine du")
    page.wait_until(lambda d: len(lessons_shown(page)) == len(week["occurrences"]))
    shown = lessons_shown(page)
    for occurrence in week["occurrences"]:
        assert any(
            day == occurrence["date"] and occurrence["subject"] in text for day, text in shown
        ), occurrence
    cancelled = [o for o in week["occurrences"] if o["status"] == "cancelled"]
    for occurrence in cancelled:  # said in words, not by colour alone
        assert any(occurrence["date"] == day and "Cours annulé" in text for day, text in shown)

    page.find("#week-next").click()  # the next week, then back
    next_monday = (monday + timedelta(days=7)).isoformat()
    page.wait_until(lambda d: lessons_shown(page) and lessons_shown(page)[0][0] >= next_monday)
    page.find("#week-today").click()
    page.wait_until(lambda d: lessons_shown(page) and lessons_shown(page)[0][0] < next_monday)

    page.find("#tab-cdt").click()
    item_css = f'li.homework[data-homework="{homework["homework_id"]}"]'
    item = page.visible(item_css)
    handed_in = item.find_elements(By.CSS_SELECTOR, ".state [data-state=handed-in]")
    assert bool(handed_in) == (copies > 0)
    copy = tmp_path / "ma-copie.pdf"
    copy.write_bytes(PDF)
    item.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(copy))
    item.find_element(By.CSS_SELECTOR, "form.handin button[type=submit]").click()

    page.wait_for_text(f"{item_css} .form-status", "Copie rendue le")
    state = page.find(f"{item_css} .state [data-state=handed-in]")
    assert state.text == "Rendu"
    after = api_get(
        gateway, "juliette.david", f"/api/schoollife/notebook/homework/{homework['homework_id']}"
    )
    assert after["status"]["copies"] == copies + 1
    assert after["status"]["done"]
    late = page.driver.find_elements(By.CSS_SELECTOR, f"{item_css} [data-state=late]")
    assert bool(late) == after["status"]["late"]


def test_a_parent_switches_child_and_sees_their_grades_by_subject(page: Page, gateway: str) -> None:
    me = api_get(gateway, "adam.david", "/api/schoollife/me")
    first, other = me["children"]
    page.sign_in("adam.david", then="/pronote")
    page.wait_for_text("#whose", first["display_name"])

    tab = page.find("#tab-edt")  # the tabs answer the arrow keys
    tab.click()
    tab.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    page.wait_until(lambda d: page.find("#tab-notes").get_attribute("aria-selected") == "true")
    assert page.driver.switch_to.active_element.get_attribute("id") == "tab-notes"
    page.find("#grades .subject[data-subject]")

    Select(page.visible("#child")).select_by_value(other["user_id"])
    page.wait_for_text("#whose", other["display_name"])
    grades = api_get(
        gateway, "adam.david", "/api/schoollife/grades/by-subject", student_id=other["user_id"]
    )
    assert grades["subjects"], "the demo seed grades every student"

    def averages_shown(driver: Any) -> dict[str, str]:
        return dict(
            driver.execute_script(
                "return [...document.querySelectorAll('#grades .subject')]"
                ".map((c) => [c.dataset.subject, c.querySelector('.mine dd').innerText]);"
            )
        )

    expected = {s["subject"]: french(s["average"]) for s in grades["subjects"] if s["average"]}
    page.wait_until(
        lambda d: all(averages_shown(d).get(name) == shown for name, shown in expected.items())
    )
    general = page.find("#grades > .averages .mine dd").text
    assert general == french(grades["overall_average"])


def test_a_teacher_sees_their_week_and_who_handed_in(page: Page, gateway: str) -> None:
    week = api_get(gateway, "prof.anglais", "/api/schoollife/timetable/teachers/week")
    page.sign_in("prof.anglais", then="/pronote")
    page.wait_until(lambda d: len(lessons_shown(page)) == len(week["occurrences"]))
    assert not page.find("#tab-notes").is_displayed()
    groups = {o["group"] for o in week["occurrences"]}
    assert any(group in text for _, text in lessons_shown(page) for group in groups)

    page.find("#tab-cdt").click()
    toggle = page.visible("#notebook [aria-controls^=hand-ins]")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    region = f"#{toggle.get_attribute('aria-controls')}"
    page.wait_for_text(region, "non rendu")
    rows = page.driver.find_elements(By.CSS_SELECTOR, f"{region} tbody tr[data-state]")
    assert rows
    assert {r.get_attribute("data-state") for r in rows} <= {
        "on_time",
        "late",
        "missing",
    }
