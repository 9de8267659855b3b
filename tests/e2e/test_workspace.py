"""Mes documents through the gateway, every service its own process: folders, copies from the
Casier (same blob, no new file), uploads, downloads, and nothing visible to anyone else."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from ent_devstack.stack import Stack
from platform_api import sign_in, user_id

pytestmark = pytest.mark.e2e

W = "/api/locker/workspace"
PDF = b"%PDF-1.4\n% copie de 3A\n" + os.urandom(64 * 1024) + b"\n%%EOF\n"


def deposit(api: httpx.Client, auth: dict[str, str], recipient: str) -> dict[str, Any]:
    response = api.post(
        "/api/locker/deposits",
        headers=auth,
        data={"recipients": [recipient]},
        files={"file": ("Copie de Lucas.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 201, response.text
    receipt: dict[str, Any] = response.json()
    return receipt


def blob_files(stack: Stack) -> set[Path]:
    return {p for p in (stack.data_dir / "locker" / "blobs").rglob("*") if p.is_file()}


def read_model(stack: Stack, collection: str, doc_id: str) -> dict[str, Any]:
    store = sqlite3.connect(f"file:{stack.data_dir / 'locker' / 'store.db'}?mode=ro", uri=True)
    try:
        row = store.execute(
            "SELECT json_extract(body, '$.blob_key') FROM documents"
            " WHERE collection = ? AND id = ?",
            (collection, doc_id),
        ).fetchone()
    finally:
        store.close()
    assert row is not None, (collection, doc_id)
    return {"blob_key": row[0]}


def create_folder(
    api: httpx.Client, auth: dict[str, str], name: str, parent_id: str | None = None
) -> dict[str, Any]:
    response = api.post(f"{W}/folders", headers=auth, json={"name": name, "parent_id": parent_id})
    assert response.status_code == 201, response.text
    folder: dict[str, Any] = response.json()
    return folder


def upload(
    api: httpx.Client, auth: dict[str, str], name: str, content: bytes, folder_id: str | None
) -> httpx.Response:
    return api.post(
        f"{W}/items",
        headers=auth,
        data={"folder_id": folder_id} if folder_id else {},
        files={"file": (name, content, "text/plain")},
    )


def fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return [e["field"] for e in response.json()["errors"]]


def test_teacher_copies_a_received_document_into_a_sub_folder(
    stack: Stack, api: httpx.Client
) -> None:
    student, teacher = sign_in(api, "lucas.martin"), sign_in(api, "prof.francais")
    other = sign_in(api, "emma.richard")
    receipt = deposit(api, student, user_id(api, teacher))
    document_id = receipt["document_id"]

    devoirs = create_folder(api, teacher, "Devoirs")
    assert devoirs["parent_id"] is None
    class_3a = create_folder(api, teacher, "3A", devoirs["folder_id"])
    assert class_3a["parent_id"] == devoirs["folder_id"]
    too_deep = api.post(
        f"{W}/folders",
        headers=teacher,
        json={"name": "Trop loin", "parent_id": class_3a["folder_id"]},
    )
    assert too_deep.status_code == 400
    assert fields(too_deep) == ["parent_id"]
    assert too_deep.json()["errors"][0]["reason"] == "folder_too_deep"
    taken = api.post(f"{W}/folders", headers=teacher, json={"name": "devoirs"})
    assert taken.status_code == 400
    assert fields(taken) == ["name"]

    blobs_before = blob_files(stack)
    copied = api.post(
        f"{W}/copy-from-locker",
        headers=teacher,
        json={"document_ids": [document_id], "folder_id": class_3a["folder_id"]},
    )
    assert copied.status_code == 201, copied.text
    [item] = copied.json()["items"]
    assert item["folder_id"] == class_3a["folder_id"]
    assert item["file_name"] == "Copie de Lucas.pdf"
    assert item["source"] == "locker"
    assert item["source_document_id"] == document_id
    assert item["sha256"] == receipt["sha256"] == hashlib.sha256(PDF).hexdigest()
    # The same blob: no new file in the locker's blob store, the same key in both read models.
    assert blob_files(stack) == blobs_before
    assert read_model(stack, "workspace_items", item["item_id"]) == read_model(
        stack, "documents", document_id
    )

    download = api.get(f"{W}/items/{item['item_id']}/content", headers=teacher)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-sha256"] == receipt["sha256"]
    assert "Copie%20de%20Lucas.pdf" in download.headers["content-disposition"]

    content = api.get(f"{W}/folders/{class_3a['folder_id']}/items", headers=teacher).json()
    assert [i["item_id"] for i in content["items"]] == [item["item_id"]]
    tree = api.get(f"{W}/folders/tree", headers=teacher).json()["folders"]
    assert tree == [
        {
            "folder_id": devoirs["folder_id"],
            "name": "Devoirs",
            "children": [{"folder_id": class_3a["folder_id"], "name": "3A", "children": []}],
        }
    ]
    root = api.get(f"{W}/items", headers=teacher).json()
    assert [f["name"] for f in root["folders"]] == ["Devoirs"]

    # The sender may copy what they deposited, too.
    own = api.post(f"{W}/copy-from-locker", headers=student, json={"document_ids": [document_id]})
    assert own.status_code == 201, own.text
    assert own.json()["items"][0]["folder_id"] is None

    # Someone else sees nothing of it, exactly as if the ids did not exist.
    folder_path = f"{W}/folders/{class_3a['folder_id']}"
    item_path = f"{W}/items/{item['item_id']}"
    refusals = [
        api.get(f"{folder_path}/items", headers=other),
        api.get(f"{item_path}/content", headers=other),
        api.patch(folder_path, headers=other, json={"name": "Pris"}),
        api.post(f"{folder_path}/move", headers=other, json={"parent_id": None}),
        api.delete(folder_path, headers=other),
        api.delete(item_path, headers=other),
        api.post(f"{W}/copy-from-locker", headers=other, json={"document_ids": [document_id]}),
        api.post(
            f"{W}/folders",
            headers=other,
            json={"name": "Chez moi", "parent_id": devoirs["folder_id"]},
        ),
        api.get(f"{W}/folders/no-such-folder/items", headers=other),
        api.get(f"{W}/items/no-such-item/content", headers=other),
    ]
    assert [r.status_code for r in refusals] == [404] * len(refusals)
    assert {r.headers["content-type"] for r in refusals} == {"application/problem+json"}
    assert api.get(f"{W}/folders/tree", headers=other).json()["folders"] == []
    assert api.get(f"{W}/items", headers=other).json()["folders"] == []
    assert api.get(f"{W}/items").status_code == 401

    # Rename, move, trash.
    renamed = api.patch(
        f"/api/locker/workspace/folders/{devoirs['folder_id']}",
        headers=teacher,
        json={"name": "Devoirs 2025"},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Devoirs 2025"
    bad_name = api.patch(
        f"{W}/folders/{devoirs['folder_id']}", headers=teacher, json={"name": "a/b"}
    )
    assert bad_name.status_code == 400
    assert fields(bad_name) == ["name"]
    into_itself = api.post(
        f"{W}/folders/{devoirs['folder_id']}/move",
        headers=teacher,
        json={"parent_id": class_3a["folder_id"]},
    )
    assert into_itself.status_code == 400
    assert fields(into_itself) == ["parent_id"]
    moved = api.post(
        f"{W}/folders/{class_3a['folder_id']}/move", headers=teacher, json={"parent_id": None}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["parent_id"] is None
    tree = api.get(f"{W}/folders/tree", headers=teacher).json()["folders"]
    assert [(f["name"], f["children"]) for f in tree] == [("3A", []), ("Devoirs 2025", [])]

    trashed = api.delete(f"{W}/folders/{class_3a['folder_id']}", headers=teacher)
    assert trashed.status_code == 204
    assert api.get(f"{W}/items/{item['item_id']}/content", headers=teacher).status_code == 404
    assert api.get(f"{W}/folders/{class_3a['folder_id']}/items", headers=teacher).status_code == 404
    assert api.delete(f"{W}/folders/{class_3a['folder_id']}", headers=teacher).status_code == 404
    tree = api.get(f"{W}/folders/tree", headers=teacher).json()["folders"]
    assert [f["name"] for f in tree] == ["Devoirs 2025"]
    # The Casier keeps its document: the copy's trash does not touch it.
    original = api.get(f"/api/locker/documents/{document_id}/content", headers=teacher)
    assert original.status_code == 200
    assert original.content == PDF


def test_upload_download_trash_and_pages(stack: Stack, api: httpx.Client) -> None:
    teacher = sign_in(api, "prof.francais")
    pages = create_folder(api, teacher, "Pages")
    for name in ("b", "A", "c"):
        create_folder(api, teacher, name, pages["folder_id"])
    uploaded = {}
    for name in ("z.txt", "y.txt", "X.txt"):
        response = upload(api, teacher, name, name.encode() * 100, pages["folder_id"])
        assert response.status_code == 201, response.text
        uploaded[name] = response.json()
        assert response.json()["source"] == "upload"
        assert response.json()["folder_id"] == pages["folder_id"]

    seen: list[list[str]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"{W}/folders/{pages['folder_id']}/items", headers=teacher, params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        seen.append([f["name"] for f in body["folders"]] + [i["file_name"] for i in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [["A", "b"], ["c", "X.txt"], ["y.txt", "z.txt"]]

    y = uploaded["y.txt"]
    download = api.get(f"{W}/items/{y['item_id']}/content", headers=teacher)
    assert download.status_code == 200
    assert download.content == b"y.txt" * 100
    assert download.headers["x-content-sha256"] == hashlib.sha256(b"y.txt" * 100).hexdigest()
    assert api.delete(f"{W}/items/{y['item_id']}", headers=teacher).status_code == 204
    assert api.get(f"{W}/items/{y['item_id']}/content", headers=teacher).status_code == 404
    assert api.delete(f"{W}/items/{y['item_id']}", headers=teacher).status_code == 404

    at_root = upload(api, teacher, "racine.txt", b"root", None)
    assert at_root.status_code == 201, at_root.text
    assert at_root.json()["folder_id"] is None
    root_items = api.get(f"{W}/items", headers=teacher).json()["items"]
    assert at_root.json()["item_id"] in {i["item_id"] for i in root_items}

    # Bad input names the field; an unknown folder is a 404 before anything is stored.
    assert upload(api, teacher, "x.txt", b"x", "no-such-folder").status_code == 404
    assert fields(upload(api, teacher, "../x.txt", b"x", None)) == ["file"]
    assert fields(upload(api, teacher, "vide.txt", b"", None)) == ["file"]
    empty = api.post(f"{W}/copy-from-locker", headers=teacher, json={"document_ids": []})
    assert empty.status_code == 400
    assert fields(empty) == ["document_ids"]
    too_many = {"document_ids": [f"d{i}" for i in range(101)]}
    assert fields(api.post(f"{W}/copy-from-locker", headers=teacher, json=too_many)) == [
        "document_ids"
    ]
    bad_cursor = api.get(f"{W}/items", headers=teacher, params={"cursor": "nope"})
    assert bad_cursor.status_code == 400
    assert fields(bad_cursor) == ["cursor"]
    bad_inner = api.get(f"{W}/items", headers=teacher, params={"cursor": "i:nope"})
    assert fields(bad_inner) == ["cursor"]
    no_name = api.post(f"{W}/folders", headers=teacher, json={"name": "  "})
    assert fields(no_name) == ["name"]
