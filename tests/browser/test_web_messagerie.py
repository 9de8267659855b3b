"""The Messagerie page in Chromium: reading drops the live badge, replying and writing
through the page reach the other person (checked through the API, as they would see it)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from web_page import Page

TEACHER = "prof.francais"
STUDENT = "lucas.martin"  # in 6A, where prof.francais teaches: the lists let him write to her


def headers(api: httpx.Client, login: str) -> dict[str, str]:
    signed_in = api.post("/api/auth/dev-login", json={"login": login})
    assert signed_in.status_code == 201, signed_in.text
    return {"authorization": f"Bearer {signed_in.json()['access_token']}"}


def user_id(api: httpx.Client, auth: dict[str, str]) -> str:
    return str(api.get("/api/directory/me", headers=auth).json()["user_id"])


def send(
    api: httpx.Client,
    auth: dict[str, str],
    to: str,
    subject: str,
    body: str,
    attachment_ids: list[str] | None = None,
) -> None:
    form = {
        "to": [to],
        "subject": subject,
        "body": body,
        "reply_mode": "sender_only",
        "attachment_ids": attachment_ids or [],
    }
    sent = api.post("/api/mail/messages", json=form, headers=auth)
    assert sent.status_code == 201, sent.text


def received(api: httpx.Client, auth: dict[str, str], subject: str) -> dict[str, Any] | None:
    """The message of mine in Reçus with this subject, opened (read), or None yet."""
    page = api.get("/api/mail/folders/inbox/messages", headers=auth).json()
    for item in page["items"]:
        if item["subject"] == subject:
            message: dict[str, Any] = api.get(
                f"/api/mail/messages/{item['message_id']}", headers=auth
            ).json()
            return message
    return None


def unread_count(api: httpx.Client, auth: dict[str, str]) -> int:
    return int(api.get("/api/mail/unread-count", headers=auth).json()["unread"])


@pytest.fixture
def api(gateway: str) -> httpx.Client:
    return httpx.Client(base_url=gateway, timeout=30.0)


def badge(page: Page) -> str:
    return str(
        page.driver.execute_script(
            "const b = document.querySelector('#badge-unread');"
            "return b && !b.hidden ? b.querySelector('[data-count]').textContent : '0';"
        )
    )


def row(page: Page, subject: str) -> Any:
    return page.wait_until(
        lambda d: next(
            (
                r
                for r in d.find_elements(By.CSS_SELECTOR, "table.messages tbody tr")
                if subject in r.text
            ),
            None,
        )
    )


def test_a_teacher_reads_a_message_and_the_badge_drops(
    page: Page, api: httpx.Client, tmp_path: Path
) -> None:
    student, teacher = headers(api, STUDENT), headers(api, TEACHER)
    teacher_id = user_id(api, teacher)
    tag = uuid.uuid4().hex[:6]
    content = b"Exercice 4 page 12"
    files = {"file": ("sujet.txt", content, "text/plain")}
    attached = api.post("/api/mail/attachments", files=files, headers=student)
    assert attached.status_code == 201, attached.text
    send(
        api,
        student,
        teacher_id,
        f"Question 1 {tag}",
        "<p>Ma question 1</p>",
        [attached.json()["attachment_id"]],
    )
    send(api, student, teacher_id, f"Question 2 {tag}", "<p>Ma question 2</p>")
    page.sign_in(TEACHER, then="/messagerie")
    first = row(page, f"Question 1 {tag}")
    # Whatever else the demo left unread, the badge says what the API counts.
    page.wait_until(lambda _: badge(page) == str(unread_count(api, teacher)))
    unread = int(badge(page))
    assert unread >= 2
    assert "unread" in (first.get_attribute("class") or "")  # in bold until read
    assert "avec pièce jointe" in first.get_attribute("textContent")
    assert f"({unread})" in page.find("#folders a[data-folder=inbox]").text

    first.find_element(By.TAG_NAME, "a").click()
    page.wait_for_text("#message-subject", f"Question 1 {tag}")
    assert "Ma question 1" in page.find(".message .body").text
    page.wait_until(lambda _: badge(page) == str(unread - 1))
    page.find(f"#folders a[data-folder=inbox][data-unread='{unread - 1}']")  # the side list too

    # The attachment, fetched with the token and saved by the browser.
    page.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    download = page.find(".attachments button")
    assert download.text == "Télécharger sujet.txt"
    download.click()
    saved = tmp_path / "sujet.txt"
    page.wait_until(lambda _: saved.exists() and saved.read_bytes() == content)


def test_a_teacher_replies_through_the_page_and_the_student_gets_it(
    page: Page, api: httpx.Client
) -> None:
    student, teacher = headers(api, STUDENT), headers(api, TEACHER)
    subject = f"Le devoir de demain {uuid.uuid4().hex[:6]}"
    send(api, student, user_id(api, teacher), subject, "<p>Faut-il rendre <b>tout</b> ?</p>")

    page.sign_in(TEACHER, then="/messagerie")
    row(page, subject).find_element(By.TAG_NAME, "a").click()
    page.visible("#reply").click()
    page.wait_for_text("#chips-to", "Lucas Martin")  # the reply goes back to its sender
    assert page.find("#subject").get_attribute("value") == f"RE : {subject}"
    assert "Faut-il rendre tout" in page.find("#compose .quote").text  # the thread, quoted
    page.find("#body").send_keys("Oui, tout <le devoir>.\nÀ demain.")
    page.find("#send").click()
    page.wait_for_text("#alerts", "Message envoyé")

    reply = page.wait_until(lambda _: received(api, student, f"RE : {subject}"))
    assert reply["sender"]["display_name"] == "Lucas Chevalier"
    # Typed as text: "<le devoir>" stays words, and the quote follows the answer.
    assert "<p>Oui, tout &lt;le devoir&gt;.</p><p>À demain.</p>" in reply["body_html"]
    assert "Faut-il rendre" in reply["body_html"]


def test_a_teacher_writes_with_the_assistant_and_sees_problems_by_field(
    page: Page, api: httpx.Client, tmp_path: Path
) -> None:
    student = headers(api, STUDENT)
    attachment = tmp_path / "consignes.txt"
    attachment.write_text("Lire le chapitre 3.", encoding="utf-8")
    subject = f"Sortie au théâtre {uuid.uuid4().hex[:6]}"

    page.sign_in(TEACHER, then="/messagerie")
    page.visible("#new-message").click()
    page.visible("#assistant-toggle").click()
    students_6a = page.wait_until(
        lambda d: next(
            (
                li
                for li in d.find_elements(By.CSS_SELECTOR, "#assistant li.audience")
                if li.text.startswith("Élèves — 6A")
            ),
            None,
        )
    )
    students_6a.find_element(By.CSS_SELECTOR, "button[aria-expanded]").click()
    for name in ("Lucas Martin", "Alice Chevalier"):
        page.visible(f"#assistant button[aria-label='Ajouter {name}']").click()
        page.wait_for_text("#chips-to", name)
    # A chip leaves by keyboard: its button, then Enter.
    page.find("#chips-to button[aria-label='Retirer Alice Chevalier']").send_keys(Keys.ENTER)
    page.wait_until(lambda d: "Alice Chevalier" not in d.find_element(By.ID, "chips-to").text)

    page.find("#body").send_keys("Rendez-vous à 14 h devant le collège.")
    page.find("#files").send_keys(str(attachment))
    page.wait_for_text("#attachments", "consignes.txt")
    page.find("#send").click()  # no subject yet
    error = page.wait_for_text("#error-subject", "objet")
    assert error.is_displayed()
    assert page.find("#subject").get_attribute("aria-invalid") == "true"
    assert page.find("#body").get_attribute("value") == "Rendez-vous à 14 h devant le collège."

    page.find("#subject").send_keys(subject)
    page.find("#send").click()
    page.wait_for_text("#alerts", "Message envoyé")
    message = page.wait_until(lambda _: received(api, student, subject))
    assert [a["name"] for a in message["attachments"]] == ["consignes.txt"]
    assert [p["display_name"] for p in message["to"]] == ["Lucas Martin"]


def test_a_draft_picked_by_keyboard_is_found_again_after_a_reload(page: Page) -> None:
    subject = f"Brouillon {uuid.uuid4().hex[:6]}"
    page.sign_in(TEACHER, then="/messagerie")
    page.visible("#new-message").click()
    search = page.visible("#rcpt-to")
    search.send_keys("Chevalier")  # the directory searches from three letters
    page.wait_for_text("#suggest-to", "Alice Chevalier")
    # Each letter typed asks again: read the list once it has settled on her (counted
    # from 1 inside the wait, to which a first place, 0, would read as not yet).
    index = (
        page.wait_until(
            lambda d: (
                next(
                    i
                    for i, o in enumerate(
                        d.find_elements(By.CSS_SELECTOR, "#suggest-to [role=option]")
                    )
                    if "Alice Chevalier" in o.text
                )
                + 1
            )
        )
        - 1
    )
    search.send_keys(Keys.ARROW_DOWN * index)  # the first is active; the focus stays here
    active = search.get_attribute("aria-activedescendant")
    assert "Alice Chevalier" in page.find(f"#{active}").text
    assert page.driver.switch_to.active_element == search
    search.send_keys(Keys.ENTER)
    page.wait_for_text("#chips-to", "Alice Chevalier")
    page.find("#subject").send_keys(subject)
    page.find("#body").send_keys("À finir demain.")
    page.find("#save-draft").click()
    page.wait_for_text("#alerts", "Brouillon enregistré")

    page.driver.refresh()
    page.visible("#folders a[data-folder=drafts]").click()
    row(page, subject).find_element(By.TAG_NAME, "a").click()
    page.wait_for_text("#chips-to", "Alice Chevalier")  # named again, from the directory
    assert page.find("#subject").get_attribute("value") == subject
    assert page.find("#body").get_attribute("value") == "À finir demain."
    page.find("#discard").click()
    page.wait_for_text("#alerts", "Brouillon supprimé")


def test_a_refused_recipient_is_named_on_its_chip_and_nothing_is_lost(
    page: Page, api: httpx.Client
) -> None:
    student = headers(api, STUDENT)
    cpe_id = user_id(api, headers(api, "marc.cpe"))  # not on a student's lists
    subject = f"Absence {uuid.uuid4().hex[:6]}"
    form = {"to": [cpe_id], "subject": subject, "body": "<p>J'étais malade.</p>"}
    draft = api.post("/api/mail/drafts", json=form, headers=student)  # a draft is not checked
    assert draft.status_code == 201, draft.text

    page.sign_in(STUDENT, then="/messagerie")
    page.open(f"/messagerie#brouillon/{draft.json()['draft_id']}")
    page.wait_for_text("#compose-title", "Brouillon")
    page.find("#send").click()
    page.wait_for_text("#chips-to .chip.refused", "hors de vos listes")
    assert page.find("#error-to").text  # said next to the field, not only at the top
    assert page.find("#subject").get_attribute("value") == subject
    assert page.find("#body").get_attribute("value") == "J'étais malade."
    assert (
        api.get(f"/api/mail/drafts/{draft.json()['draft_id']}", headers=student).json()["subject"]
        == subject
    )  # the draft is still there, unsent
