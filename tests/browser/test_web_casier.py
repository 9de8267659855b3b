"""The Casier page in Chromium: a deposit by drag-and-drop with the recipient assistant, the
three folders with multi-select actions, and the copy into Mes documents."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from web_page import Page


def signed_in(gateway: str, login: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Headers and user of a dev login: how a test sets up data as another user."""
    answer = httpx.post(f"{gateway}/api/auth/dev-login", json={"login": login}, timeout=30.0)
    answer.raise_for_status()
    body = answer.json()
    return {"authorization": f"Bearer {body['access_token']}"}, body["user"]


def deposit(gateway: str, sender: str, recipient_id: str, name: str, content: bytes) -> str:
    headers, _ = signed_in(gateway, sender)
    answer = httpx.post(
        f"{gateway}/api/locker/deposits",
        headers=headers,
        data={"recipients": recipient_id},
        files={"file": (name, content, "text/plain")},
        timeout=30.0,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["document_id"])


def unique(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}.txt"


def names_in_table(page: Page) -> list[str]:
    buttons = page.driver.find_elements(By.CSS_SELECTOR, "#documents tbody button.name")
    return [str(e.get_attribute("data-name")) for e in buttons]


def pick(page: Page, *file_names: str) -> None:
    """Ticks each document's checkbox through its label, as a person would."""
    for name in file_names:
        page.wait_until(lambda d, n=name: n in names_in_table(page))
        label = page.driver.find_element(
            By.XPATH, f'//tbody//label[normalize-space()="Sélectionner {name}"]'
        )
        box = page.driver.find_element(By.ID, label.get_attribute("for"))
        box.send_keys(Keys.SPACE)  # the keyboard path: a real checkbox


def test_a_student_deposits_homework_by_drag_and_drop_and_sees_the_confirmation(
    page: Page, gateway: str, tmp_path: Path
) -> None:
    homework = tmp_path / unique("devoir-francais")
    homework.write_bytes(b"Ma redaction sur Le Petit Prince.\n" * 40)
    page.sign_in("lucas.martin", then="/casier")
    page.find('#casier-nav a[href="#depot"]').click()

    # The assistant: type part of the teacher's name, walk the suggestions with the arrows.
    search = page.visible("#recipient-search")
    search.send_keys("Chevalier")
    page.visible("#recipient-options [role=option]")
    for _ in range(10):
        active = search.get_attribute("aria-activedescendant")
        if active and "Lucas Chevalier" in page.find(f"#{active}").text:
            break
        search.send_keys(Keys.ARROW_DOWN)
    search.send_keys(Keys.ENTER)
    page.wait_for_text("#recipient-chips", "Lucas Chevalier")

    page.drop_files("#dropzone", homework)
    page.wait_for_text("#deposit-files", homework.name)
    page.find("#deposit-submit").click()

    receipt = page.visible("#deposit-receipt")
    page.wait_for_text("#deposit-receipt .receipt-name", homework.name)
    assert "Lucas Chevalier" in page.find("#deposit-receipt .receipt-recipients").text
    sha256 = hashlib.sha256(homework.read_bytes()).hexdigest()
    assert page.find("#deposit-receipt .receipt-sha256").text == sha256
    assert page.find("#deposit-receipt time").get_attribute("datetime")
    assert page.driver.switch_to.active_element == receipt  # the confirmation is read out
    page.find("#deposit-receipt button.verify").click()  # the locker vouches for its receipt
    page.wait_for_text("#deposit-receipt .verdict", "Reçu authentique")
    document_id = page.find("#deposit-receipt [data-document-id]").get_attribute("data-document-id")

    # A deposit is immutable: a corrected file is a new version, to the same people.
    page.find('#casier-nav a[href="#historique"]').click()
    page.wait_until(lambda d: homework.name in names_in_table(page))
    page.find(f'tr[data-document-id="{document_id}"] button.new-version').click()
    page.wait_for_text("#version-text", homework.name)
    page.wait_for_text("#recipient-chips", "Lucas Chevalier")
    corrected = tmp_path / unique("devoir-francais-v2")
    corrected.write_bytes(b"Ma redaction, relue.\n")
    page.drop_files("#dropzone", corrected)
    page.find("#deposit-submit").click()
    page.wait_for_text("#deposit-receipt .receipt-name", corrected.name)
    assert page.find("#version-banner").get_attribute("hidden") is not None

    # The teacher has both in « Mon casier », on the page as through the API.
    teacher, _ = signed_in(gateway, "prof.francais")
    received = httpx.get(f"{gateway}/api/locker/received", headers=teacher, timeout=30.0).json()
    by_name = {entry["file_name"]: entry for entry in received["items"]}
    assert by_name[homework.name]["document_id"] == document_id
    assert by_name[corrected.name]["previous_version_id"] == document_id
    page.find("#sign-out").click()
    page.sign_in("prof.francais", then="/casier")
    page.wait_until(lambda d: homework.name in names_in_table(page))
    assert "Lucas Martin" in page.find(f'tr[data-document-id="{document_id}"] .people').text


def test_received_documents_go_to_the_trash_come_back_and_are_deleted_for_good(
    page: Page, gateway: str
) -> None:
    _, teacher = signed_in(gateway, "prof.anglais")
    first, second = unique("exercice-1"), unique("exercice-2")
    deposit(gateway, "lucas.martin", teacher["user_id"], first, b"one")
    deposit(gateway, "emma.richard", teacher["user_id"], second, b"two")
    page.sign_in("prof.anglais", then="/casier")

    pick(page, first, second)
    page.wait_for_text("#selection-status", "2 documents sélectionnés")
    page.find('#folder [data-action="trash"]').click()
    page.wait_for_text("#alerts", "2 documents mis à la corbeille")
    page.wait_until(lambda d: not {first, second} & set(names_in_table(page)))

    page.find('#casier-nav a[href="#corbeille"]').click()
    page.wait_for_text("#folder-title", "Corbeille")
    pick(page, first, second)
    page.find('#folder [data-action="restore"]').click()
    page.wait_for_text("#alerts", "2 documents restaurés")
    page.wait_until(lambda d: not {first, second} & set(names_in_table(page)))

    page.find('#casier-nav a[href="#recus"]').click()
    page.wait_until(lambda d: {first, second} <= set(names_in_table(page)))

    # Definitive delete: only from the trash, and only once confirmed.
    pick(page, first)
    page.find('#folder [data-action="trash"]').click()
    page.wait_for_text("#alerts", "1 document mis à la corbeille")
    page.find('#casier-nav a[href="#corbeille"]').click()
    pick(page, first)
    page.find('#folder [data-action="delete"]').click()
    page.visible("#delete-dialog")
    assert first in page.find("#delete-text").text
    page.find("#delete-confirm").click()
    page.wait_for_text("#alerts", "1 document supprimé définitivement")
    page.wait_until(lambda d: first not in names_in_table(page))
    headers, _ = signed_in(gateway, "prof.anglais")
    trash = httpx.get(f"{gateway}/api/locker/trash", headers=headers, timeout=30.0).json()
    assert first not in [entry["file_name"] for entry in trash["items"]]


def test_a_received_document_is_copied_into_a_new_folder_of_mes_documents(
    page: Page, gateway: str
) -> None:
    headers, teacher = signed_in(gateway, "prof.histoiregeographie")
    name = unique("expose")
    deposit(gateway, "lucas.martin", teacher["user_id"], name, b"La Revolution francaise")
    folder_name = f"Copies {uuid.uuid4().hex[:6]}"
    page.sign_in("prof.histoiregeographie", then="/casier")

    pick(page, name)
    page.find('#folder [data-action="copy"]').click()
    page.visible("#copy-dialog")
    page.find("#copy-to-root")  # the root of Mes documents is a choice too
    page.find("#new-folder").send_keys(folder_name, Keys.ENTER)  # Enter creates, not copies
    page.wait_until(
        lambda d: any(
            box.is_selected() and box.get_attribute("id") != "copy-to-root"
            for box in d.find_elements(By.CSS_SELECTOR, "#copy-folders input[type=radio]")
        )
    )
    page.find("#copy-submit").click()
    page.wait_for_text("#alerts", f"1 document copié dans « {folder_name} »")
    assert not page.find("#copy-dialog").get_attribute("open")

    tree = httpx.get(
        f"{gateway}/api/locker/workspace/folders/tree", headers=headers, timeout=30.0
    ).json()
    folder_id = next(f["folder_id"] for f in tree["folders"] if f["name"] == folder_name)
    content = httpx.get(
        f"{gateway}/api/locker/workspace/folders/{folder_id}/items", headers=headers, timeout=30.0
    ).json()
    copied = [item for item in content["items"] if item["file_name"] == name]
    assert copied, content
    assert copied[0]["source"] == "locker"


def test_a_refused_deposit_shows_the_problem_and_keeps_the_choices(
    page: Page, tmp_path: Path
) -> None:
    empty = tmp_path / unique("vide")
    empty.write_bytes(b"")
    page.sign_in("emma.richard", then="/casier")
    page.find('#casier-nav a[href="#depot"]').click()
    page.find("#deposit-submit").click()  # nothing chosen yet: said before any upload
    page.wait_for_text("#deposit-problem", "Ajoutez au moins un destinataire")
    assert page.find("#recipient-search").get_attribute("aria-invalid") == "true"

    for index in (1, 2):  # two of my lists, then one removed from the keyboard
        page.find("#recipient-list").find_elements(By.TAG_NAME, "option")[index].click()
        page.find("#recipient-list-add").click()
    page.wait_until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#recipient-chips li")) == 2)
    chip = page.find("#recipient-chips li").text
    page.find("#recipient-chips li:nth-child(2) button").send_keys(Keys.ENTER)
    page.wait_until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#recipient-chips li")) == 1)
    focused = page.driver.switch_to.active_element
    assert focused == page.find("#recipient-chips li button")  # the keyboard stays in the chips
    page.wait_for_text("#recipient-status", "retiré")
    page.find("#deposit-file").send_keys(str(empty))  # the keyboard path: the file input
    page.wait_for_text("#deposit-files", empty.name)
    page.find("#deposit-submit").click()

    page.wait_for_text("#deposit-problem .problem", "le fichier est vide")  # the API's words
    assert page.find("#deposit-file").get_attribute("aria-invalid") == "true"
    assert page.find("#recipient-chips li").text == chip
    assert empty.name in page.find("#deposit-files").text
    assert page.find("#deposit-receipt").get_attribute("hidden") is not None


def test_a_long_folder_is_paged_with_voir_plus_and_selected_whole(page: Page, gateway: str) -> None:
    _, teacher = signed_in(gateway, "prof.mathematiques")
    batch = uuid.uuid4().hex[:6]
    # One more than a page (50), from two pupils: each stays far below the hourly limit.
    for index in range(51):
        sender = "lucas.martin" if index % 2 else "emma.richard"
        deposit(gateway, sender, teacher["user_id"], f"fiche-{batch}-{index:02d}.txt", b"x")
    page.sign_in("prof.mathematiques", then="/casier")
    page.wait_until(lambda d: len(names_in_table(page)) == 50)
    assert f"fiche-{batch}-50.txt" == names_in_table(page)[0]  # newest first
    page.visible("#more").click()
    page.wait_until(lambda d: len(names_in_table(page)) >= 51)
    assert f"fiche-{batch}-00.txt" in names_in_table(page)
    page.wait_until(lambda d: not d.find_element(By.ID, "more").is_displayed())
    # The button is gone: the keyboard is on the first document of the new page.
    assert page.driver.switch_to.active_element.get_attribute("type") == "checkbox"

    page.find("#select-all").send_keys(Keys.SPACE)
    count = len(names_in_table(page))
    page.wait_for_text("#selection-status", f"{count} documents sélectionnés")
    page.find("#select-all").send_keys(Keys.SPACE)
    page.wait_for_text("#selection-status", "Aucun document sélectionné")
    assert page.find('#folder [data-action="trash"]').get_attribute("disabled") is not None
