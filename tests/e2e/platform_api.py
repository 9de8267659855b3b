"""Calls every e2e module makes through the gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from ent_devstack.stack import Stack
from tusclient.client import TusClient
from tusclient.uploader.uploader import Uploader

Headers = dict[str, str]
MiB = 1024 * 1024


def sign_in(api: httpx.Client, login: str) -> Headers:
    """A bearer header for a seeded demo user (embedded-profile dev login)."""
    response = api.post("/api/auth/dev-login", json={"login": login})
    assert response.status_code == 201, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


def user_id(api: httpx.Client, auth: Headers) -> str:
    me = api.get("/api/directory/me", headers=auth)
    assert me.status_code == 200, me.text
    return str(me.json()["user_id"])


def declare(
    api: httpx.Client, auth: Headers, files: dict[str, Path], **options: Any
) -> dict[str, Any]:
    body = {
        "files": [{"path": p, "size": f.stat().st_size} for p, f in files.items()],
        **options,
    }
    created = api.post("/api/transfer/transfers", json=body, headers=auth)
    assert created.status_code == 201, created.text
    return dict(created.json())


def tus_client(base: str, transfer_id: str, auth: Headers) -> TusClient:
    return TusClient(f"{base}/transfer/transfers/{transfer_id}/files", headers=dict(auth))


def upload(client: TusClient, path: str, file: Path) -> str:
    uploader = Uploader(
        file_path=str(file),
        client=client,
        chunk_size=16 * MiB,
        metadata={"filename": file.name, "relativePath": path},
    )
    uploader.upload()
    return str(uploader.url)


def send_all(
    stack: Stack, api: httpx.Client, auth: Headers, files: dict[str, Path], **options: Any
) -> dict[str, Any]:
    created = declare(api, auth, files, **options)
    client = tus_client(f"{stack.gateway_url}/api", created["transfer_id"], auth)
    for path, file in files.items():
        upload(client, path, file)
    view = api.get(f"/api/transfer/transfers/{created['transfer_id']}", headers=auth)
    assert view.json()["state"] == "ready", view.text
    return dict(view.json())
