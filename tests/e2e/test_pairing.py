"""Mobile pairing (issue 14, seed 002 §II-4 « Flasher le QR code généré par la version en
ligne ») through the gateway of the whole platform: the signed-in page's QR code, the
mobile client's redemption of its code for a device and a token, the device's refreshes,
the owner's list of devices and unpairing, and nobody else's say on them.

The expiry of a code and the throttles are proved by tests/unit/test_pairing_*.py."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest
from platform_api import Headers, sign_in, user_id

pytestmark = pytest.mark.e2e

SVG = "{http://www.w3.org/2000/svg}svg"
OWNER, OTHER = "lucas.martin", "prof.francais"


def bearer(token: str) -> Headers:
    return {"authorization": f"Bearer {token}"}


def pairing_qr(api: httpx.Client, auth: Headers) -> dict[str, Any]:
    response = api.post("/api/auth/pairing", headers=auth)
    assert response.status_code == 201, response.text
    page: dict[str, Any] = response.json()
    return page


def redeem(api: httpx.Client, code: str) -> httpx.Response:
    return api.post(
        "/api/auth/pairing/redeem", json={"code": code, "device_name": "Téléphone de Lucas"}
    )


def refresh(api: httpx.Client, device: dict[str, Any]) -> httpx.Response:
    credentials = {k: device[k] for k in ("device_id", "device_secret")}
    return api.post("/api/auth/device-token", json=credentials)


def test_a_phone_pairs_by_qr_code_refreshes_and_is_unpaired(api: httpx.Client) -> None:
    owner = sign_in(api, OWNER)
    page = pairing_qr(api, owner)
    assert ET.fromstring(page["qr_svg"]).tag == SVG
    assert page["uri"].startswith("ent-pairing:http")
    assert page["uri"].endswith(f"?code={page['code']}")

    paired = redeem(api, page["code"])
    assert paired.status_code == 201, paired.text
    device = paired.json()
    me = api.get("/api/auth/me", headers=bearer(device["token"]))
    assert me.status_code == 200, me.text
    assert me.json()["user_id"] == user_id(api, owner)
    # The device's token opens the services as its owner.
    assert api.get("/api/mail/unread-count", headers=bearer(device["token"])).status_code == 200

    again = redeem(api, page["code"])
    assert again.status_code == 400
    assert again.json()["errors"][0]["reason"] == "invalid_code"

    listed = api.get("/api/directory/devices", headers=owner)
    assert listed.status_code == 200, listed.text
    assert [(d["device_id"], d["name"]) for d in listed.json()] == [
        (device["device_id"], "Téléphone de Lucas")
    ]

    refreshed = refresh(api, device)
    assert refreshed.status_code == 200, refreshed.text
    fresh = refreshed.json()["token"]
    assert api.get("/api/auth/me", headers=bearer(fresh)).status_code == 200

    # Someone else cannot unpair it: as unknown to them as a made-up id.
    url = f"/api/directory/devices/{device['device_id']}"
    assert api.delete(url, headers=sign_in(api, OTHER)).status_code == 404
    assert refresh(api, device).status_code == 200

    assert api.delete(url, headers=owner).status_code == 204
    revoked = refresh(api, device)
    assert revoked.status_code == 401
    assert revoked.json()["code"] == "invalid_device"
    assert api.get("/api/directory/devices", headers=owner).json() == []


def test_pairing_needs_a_signed_in_user(api: httpx.Client) -> None:
    assert api.post("/api/auth/pairing").status_code == 401
    unknown = api.post("/api/auth/device-token", json={"device_id": "x", "device_secret": "y"})
    assert unknown.status_code == 401
