"""Calls every e2e module makes through the gateway."""

from __future__ import annotations

import httpx

Headers = dict[str, str]


def sign_in(api: httpx.Client, login: str) -> Headers:
    """A bearer header for a seeded demo user (embedded-profile dev login)."""
    response = api.post("/api/auth/dev-login", json={"login": login})
    assert response.status_code == 201, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


def user_id(api: httpx.Client, auth: Headers) -> str:
    me = api.get("/api/directory/me", headers=auth)
    assert me.status_code == 200, me.text
    return str(me.json()["user_id"])
