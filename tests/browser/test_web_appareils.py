"""Mobile pairing in the browser: the signed-in page shows a one-time QR code, a mobile
client (here httpx) redeems it, the device is listed, and unpairing it stops its tokens."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
from selenium.webdriver.common.by import By
from web_page import Page


def test_a_user_pairs_a_phone_by_qr_code_then_unpairs_it(page: Page, gateway: str) -> None:
    page.sign_in("rose.martin", then="/appareils")
    page.wait_for_text("#devices", "Aucun appareil associé.")
    page.find("#new-code").click()
    qr = page.visible("#qr")
    source = qr.get_attribute("src") or ""
    assert source.startswith("data:image/svg+xml")
    code = page.find("#code-text").get_attribute("textContent") or ""
    assert code
    assert "<svg" in unquote(source)
    assert page.driver.execute_script("return arguments[0].naturalWidth > 0", qr)

    with httpx.Client(base_url=gateway, timeout=30.0) as phone:
        paired = phone.post(
            "/api/auth/pairing/redeem", json={"code": code, "device_name": "Téléphone de Rose"}
        )
        assert paired.status_code == 201, paired.text
        device = paired.json()
        me = phone.get("/api/auth/me", headers={"authorization": f"Bearer {device['token']}"})
        assert me.json()["display_name"] == "Rose Martin"

        page.driver.refresh()
        row = page.find(f"#devices tr[data-device='{device['device_id']}']")
        assert "Téléphone de Rose" in row.text
        row.find_element(By.TAG_NAME, "button").click()
        page.driver.switch_to.alert.accept()
        page.wait_for_text("#devices", "Aucun appareil associé.")

        refresh = phone.post(
            "/api/auth/device-token",
            json={"device_id": device["device_id"], "device_secret": device["device_secret"]},
        )
        assert refresh.status_code == 401
