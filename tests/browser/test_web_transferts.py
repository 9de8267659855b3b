"""The Transferts page in Chromium: files sent with tus through the page, the link serving
them to anyone, « Mes transferts », an upload resumed after the network dropped, a refusal
shown on the form, and the link shared in a message."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mail_relay import Relay
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from web_page import Page

MB = 1024 * 1024


@pytest.fixture
def api(gateway: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway, timeout=30.0) as client:
        yield client


def bearer(api: httpx.Client, login: str) -> dict[str, str]:
    signed_in = api.post("/api/auth/dev-login", json={"login": login})
    return {"authorization": f"Bearer {signed_in.json()['access_token']}"}


def written(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def choose_files(page: Page, *paths: Path) -> None:
    page.find("#files").send_keys("\n".join(str(p) for p in paths))


def link_when_ready(page: Page) -> str:
    page.visible("#result")
    link: str = page.find("#share-link").get_attribute("value") or ""
    assert link, "the link is shown once the upload is done"
    return link


def downloaded(link: str) -> dict[str, bytes]:
    """What anyone gets from the link, without an account: each file, by its path."""
    with httpx.Client(timeout=60.0) as anyone:
        held = anyone.get(link, headers={"accept": "application/json"})
        assert held.status_code == 200, held.text
        files = {}
        for f in held.json()["files"]:
            answer = anyone.get(f"{link}/files/{f['file_id']}")
            assert answer.status_code == 200
            files[f["path"]] = answer.content
        return files


def set_network(page: Page, *, offline: bool, upload_bytes_per_s: int = -1) -> None:
    """DevTools' network emulation: the browser's own requests fail or slow down."""
    page.driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {
            "offline": offline,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": upload_bytes_per_s,
        },
    )


def percent(page: Page) -> int:
    return int(page.find("#progress-all").get_attribute("value") or 0)


def record_statuses(page: Page) -> None:
    """Every line the status region says, kept: some last less than a poll."""
    page.driver.execute_script(
        "window.__statuses = []; const region = document.querySelector('#upload-status');"
        "new MutationObserver(() => window.__statuses.push(region.textContent))"
        ".observe(region, {childList: true, characterData: true, subtree: true});"
    )


def statuses(page: Page) -> list[str]:
    said: list[str] = page.driver.execute_script("return window.__statuses")
    return said


def row_of(page: Page, transfer_id: str) -> WebElement:
    row: WebElement = page.find(f'#mine tr[data-transfer-id="{transfer_id}"]')
    return row


def test_a_teacher_sends_two_files_and_anyone_downloads_them_by_the_link(
    page: Page, tmp_path: Path
) -> None:
    photos = written(tmp_path / "photos-sortie.bin", 3 * MB + 12345)
    notes = tmp_path / "consignes été.txt"
    notes.write_text("Rendez-vous à 8 h devant le musée.\n", encoding="utf-8")
    page.sign_in("prof.francais", then="/transferts")
    choose_files(page, photos)  # the keyboard's way: the file input
    page.drop_files("#dropzone", notes)  # and the mouse's: a drop from the file manager
    page.wait_for_text("#chosen", "consignes été.txt")
    page.find("#message").send_keys("Les photos de la sortie au musée")
    page.find("#send-button").click()

    link = link_when_ready(page)
    assert percent(page) == 100
    assert page.find("#progress-text").get_attribute("textContent") == "100 %"
    bars = page.driver.find_elements(By.CSS_SELECTOR, "#chosen progress")
    assert [b.get_attribute("value") == b.get_attribute("max") for b in bars] == [True, True]
    assert downloaded(link) == {
        "photos-sortie.bin": photos.read_bytes(),
        "consignes été.txt": notes.read_bytes(),
    }

    transfer_id = page.find("#result").get_attribute("data-transfer-id") or ""
    row = row_of(page, transfer_id)
    assert "photos-sortie.bin" in row.text
    assert "consignes été.txt" in row.text
    assert row.find_element(By.CSS_SELECTOR, "input").get_attribute("value") == link
    row.find_element(By.CSS_SELECTOR, "[data-action=delete]").click()
    page.visible("#delete-dialog")
    page.find("#delete-confirm").click()
    page.wait_until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, f'tr[data-transfer-id="{transfer_id}"]')
    )
    page.wait_for_text("#alerts", "Transfert supprimé")
    assert httpx.get(link, headers={"accept": "application/json"}).status_code in (404, 410)


def test_an_upload_cut_by_the_network_resumes_where_the_server_stands(
    page: Page, tmp_path: Path
) -> None:
    # More than one tus chunk (8 MiB), so the cut falls between two PATCH requests at least.
    big = written(tmp_path / "video-cours.bin", 20 * MB)
    page.sign_in("prof.mathematiques", then="/transferts")
    choose_files(page, big)
    page.driver.execute_cdp_cmd("Network.enable", {})
    set_network(page, offline=False, upload_bytes_per_s=1 * MB)  # the first chunk takes ~8 s
    record_statuses(page)
    page.find("#send-button").click()
    try:
        page.wait_until(lambda _: 1 <= percent(page) <= 35)  # the first chunk is on its way
        set_network(page, offline=True)
        page.wait_until(lambda _: any("Connexion perdue" in s for s in statuses(page)))
    finally:
        set_network(page, offline=False)
    link = link_when_ready(page)
    resumed = [s for s in statuses(page) if "repris à" in s]  # HEAD said where to carry on
    assert resumed, statuses(page)
    assert "repris à 0 o" not in resumed[0]  # not sent again from the start
    assert percent(page) == 100
    assert downloaded(link) == {"video-cours.bin": big.read_bytes()}


def test_a_cancelled_upload_deletes_the_half_sent_transfer_and_keeps_the_form(
    page: Page, tmp_path: Path, api: httpx.Client
) -> None:
    big = written(tmp_path / "archives.bin", 12 * MB)
    page.sign_in("prof.francais", then="/transferts")
    choose_files(page, big)
    page.find("#message").send_keys("Les archives du club")
    page.driver.execute_cdp_cmd("Network.enable", {})
    set_network(page, offline=False, upload_bytes_per_s=1 * MB)
    page.find("#send-button").click()
    try:
        page.wait_until(lambda _: percent(page) >= 1)
        page.find("#cancel").click()
        page.wait_for_text("#upload-status", "Envoi annulé")
    finally:
        set_network(page, offline=False)
    assert page.find("#message").get_attribute("value") == "Les archives du club"
    assert "archives.bin" in page.find("#chosen").text
    assert page.find("#send-button").is_enabled()
    mine = api.get("/api/transfer/transfers", headers=bearer(api, "prof.francais")).json()
    assert all("archives.bin" not in [f["path"] for f in t["files"]] for t in mine["items"])


def test_a_folder_keeps_its_tree_in_the_link_and_its_zip(page: Page, tmp_path: Path) -> None:
    folder = tmp_path / "sortie"
    (folder / "photos").mkdir(parents=True)
    written(folder / "photos" / "musée.jpg", 200_000)
    (folder / "programme.txt").write_text("9 h : départ\n", encoding="utf-8")
    page.sign_in("claire.directrice", then="/transferts")
    page.find("#folder").send_keys(str(folder))  # the folder picker (webkitdirectory)
    page.wait_for_text("#chosen", "sortie/photos/musée.jpg")
    page.find("#send-button").click()
    link = link_when_ready(page)
    assert downloaded(link) == {
        "sortie/photos/musée.jpg": (folder / "photos" / "musée.jpg").read_bytes(),
        "sortie/programme.txt": (folder / "programme.txt").read_bytes(),
    }
    archive = httpx.get(f"{link}/zip", timeout=60.0)
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        assert sorted(zipped.namelist()) == ["sortie/photos/musée.jpg", "sortie/programme.txt"]


def test_a_refusal_names_the_field_and_keeps_what_was_typed(page: Page, tmp_path: Path) -> None:
    doc = written(tmp_path / "sujet.pdf", 2048)
    page.sign_in("prof.anglais", then="/transferts")
    choose_files(page, doc)
    page.find("#message").send_keys("Le sujet du devoir")
    page.find("#password").send_keys("abc")  # the API wants at least 6 characters
    page.find("#send-button").click()
    problem = page.visible("#alerts .problem")
    assert "password" in problem.text
    assert "6 caractères" in problem.text
    assert page.find("#password").get_attribute("aria-invalid") == "true"
    assert page.find("#password").get_attribute("value") == "abc"
    assert page.find("#message").get_attribute("value") == "Le sujet du devoir"
    assert "sujet.pdf" in page.find("#chosen").text
    assert page.find("#result").get_attribute("hidden") is not None


def test_the_link_is_shared_in_a_message_to_a_student(
    page: Page, tmp_path: Path, api: httpx.Client
) -> None:
    doc = written(tmp_path / "correction.bin", 4096)
    page.sign_in("prof.histoiregeographie", then="/transferts")
    choose_files(page, doc)
    page.find("#send-button").click()
    link = link_when_ready(page)
    page.find("#share-open").click()
    page.visible("#share-dialog")
    page.find("#share-search").send_keys("lucas")
    page.wait_for_text("#share-found", "Ajouter Lucas Martin")
    found = page.driver.find_elements(By.CSS_SELECTOR, "#share-found button")
    next(b for b in found if b.text == "Ajouter Lucas Martin").click()
    page.wait_for_text("#share-to", "Lucas Martin")
    page.find("#share-note").send_keys("Voici la correction.")
    page.find("#share-send").click()
    page.wait_for_text("#alerts", "envoyé dans un message")

    student = bearer(api, "lucas.martin")
    latest = api.get("/api/mail/latest", headers=student).json()
    shared = next(m for m in latest if m["subject"].startswith("Transfert de fichiers"))
    message = api.get(f"/api/mail/messages/{shared['message_id']}", headers=student).json()
    assert link in json.dumps(message)
    assert "Voici la correction." in json.dumps(message)


def test_the_link_is_sent_by_e_mail_and_a_bad_address_is_named(
    page: Page, tmp_path: Path, relay: Relay
) -> None:
    doc = written(tmp_path / "sortie.bin", 2048)
    page.sign_in("prof.histoiregeographie", then="/transferts")
    choose_files(page, doc)
    page.find("#send-button").click()
    link_when_ready(page)
    page.find("#share-open").click()
    page.visible("#share-dialog")
    emails = page.find("#share-emails")
    emails.send_keys("famille.durand@exemple.fr,\npas-une-adresse")
    page.find("#share-send").click()

    page.wait_for_text("#share-alerts", "pas-une-adresse")
    assert emails.get_attribute("aria-invalid") == "true"
    emails.clear()
    emails.send_keys("famille.durand@exemple.fr")
    page.find("#share-send").click()
    page.wait_for_text("#alerts", "par e-mail à 1 adresse(s)")
    deadline = time.monotonic() + 20
    while not any("famille.durand@exemple.fr" in e.rcpt_tos for e in relay.envelopes):
        assert time.monotonic() < deadline, "the e-mail never reached the relay"
        time.sleep(0.2)
