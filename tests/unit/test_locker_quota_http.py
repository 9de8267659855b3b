"""`GET /locker/usage` over HTTP: what the signed-in user occupies, for them alone."""

from __future__ import annotations

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
QUOTA = 2 * 1024 * 1024 * 1024  # the settings' default


async def test_my_usage_counts_my_documents_and_nobody_elses(locker: Client) -> None:
    created = await locker.post(
        "/locker/workspace/items",
        files={"file": ("notes.txt", b"0123456789", "text/plain")},
        headers=bearer(ALICE),
    )
    assert created.status_code == 201, created.text

    mine = await locker.get("/locker/usage", headers=bearer(ALICE))
    theirs = await locker.get("/locker/usage", headers=bearer(BOB))
    anonymous = await locker.get("/locker/usage")

    assert mine.status_code == 200, mine.text
    assert mine.json() == {"used_bytes": 10, "reserved_bytes": 0, "quota_bytes": QUOTA}
    assert theirs.json() == {"used_bytes": 0, "reserved_bytes": 0, "quota_bytes": QUOTA}
    assert anonymous.status_code == 401
