"""Mes documents' trash over HTTP: listing, restore, definitive delete; only the owner, and
another user's ids answer 404 like unknown ones."""

from __future__ import annotations

from typing import Any

import pytest
from directory_fixtures import Client, bearer
from ent_kit.auth import Identity
from locker_fixtures import locker

__all__ = ["locker"]
pytestmark = pytest.mark.filterwarnings(
    "ignore::litestar.exceptions.base_exceptions.LitestarDeprecationWarning"
)

ALICE = Identity(user_id="student-1", profile="student", school_id="school-1")
BOB = Identity(user_id="student-2", profile="student", school_id="school-1")
BASE = "/locker/workspace"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def trashed_upload(locker: Client, me: Identity, content: bytes = b"notes") -> str:
    created = await locker.post(
        f"{BASE}/items", files={"file": ("notes.txt", content, "text/plain")}, headers=bearer(me)
    )
    item_id: str = ok(created, 201)["item_id"]
    assert (await locker.delete(f"{BASE}/items/{item_id}", headers=bearer(me))).status_code == 204
    return item_id


async def test_i_list_restore_and_delete_my_trash(locker: Client) -> None:
    item_id = await trashed_upload(locker, ALICE)
    folder = ok(
        await locker.post(f"{BASE}/folders", json={"name": "Cours"}, headers=bearer(ALICE)), 201
    )
    folder_id = folder["folder_id"]
    await locker.delete(f"{BASE}/folders/{folder_id}", headers=bearer(ALICE))

    trash = ok(await locker.get(f"{BASE}/trash", headers=bearer(ALICE)))
    assert [f["folder_id"] for f in trash["folders"]] == [folder_id]
    assert [i["item_id"] for i in trash["items"]] == [item_id]
    assert trash["items"][0]["trashed_at"]
    assert ok(await locker.get(f"{BASE}/trash", headers=bearer(BOB)))["items"] == []
    assert (await locker.get(f"{BASE}/trash")).status_code == 401

    restored = ok(await locker.post(f"{BASE}/folders/{folder_id}/restore", headers=bearer(ALICE)))
    assert restored["name"] == "Cours"
    usage = ok(await locker.get("/locker/usage", headers=bearer(ALICE)))
    assert usage["used_bytes"] == 5  # the trashed document still counts

    deleted = ok(
        await locker.post(
            f"{BASE}/trash/delete",
            json={"item_ids": [item_id], "folder_ids": [folder_id]},
            headers=bearer(ALICE),
        )
    )
    assert deleted == {"done": [item_id], "not_found": [], "refused": [folder_id]}
    assert ok(await locker.get("/locker/usage", headers=bearer(ALICE)))["used_bytes"] == 0
    gone = await locker.post(f"{BASE}/items/{item_id}/restore", headers=bearer(ALICE))
    assert gone.status_code == 404


async def test_another_users_ids_answer_like_unknown_ones(locker: Client) -> None:
    item_id = await trashed_upload(locker, ALICE)
    for path in (f"{BASE}/items/{item_id}/restore", f"{BASE}/items/unknown/restore"):
        answer = await locker.post(path, headers=bearer(BOB))
        assert answer.status_code == 404, answer.text
        assert answer.json()["errors"][0]["field"] == "item_id"
    folder = await locker.post(f"{BASE}/folders/unknown/restore", headers=bearer(BOB))
    assert folder.status_code == 404
    deleted = ok(
        await locker.post(f"{BASE}/trash/delete", json={"item_ids": [item_id]}, headers=bearer(BOB))
    )
    assert deleted == {"done": [], "not_found": [item_id], "refused": []}
    # Alice's document is untouched: still in her trash.
    trash = ok(await locker.get(f"{BASE}/trash", headers=bearer(ALICE)))
    assert [i["item_id"] for i in trash["items"]] == [item_id]


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "item_ids"), ({"item_ids": [f"i{n}" for n in range(201)]}, "item_ids")],
)
async def test_a_selection_of_1_to_200_ids_names_the_field(
    locker: Client, body: dict[str, Any], field: str
) -> None:
    answer = await locker.post(f"{BASE}/trash/delete", json=body, headers=bearer(ALICE))
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["field"] == field
