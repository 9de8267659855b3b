"""The demo seed at start never resets a password: a demo director who chose her own
keeps it across restarts of a seeded directory (the public demo password is for accounts
that have none)."""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher
from directory_fixtures import running_directory
from ent_directory.application.credentials import CREDENTIALS
from ent_directory.domain.demo_school import DEMO_PASSWORD, demo_users
from ent_kit.storage import open_storage

DIRECTOR = next(u for u in demo_users() if u.login == "claire.directrice")
OWN_PASSWORD = "her-own-password-0451"


async def stored_hash(store: Path, user_id: str) -> str | None:
    storage = await open_storage(f"sqlite://{store}", service_name="directory")
    try:
        stored = await storage.documents.get(CREDENTIALS, user_id)
    finally:
        await storage.close()
    return None if stored is None else str(stored["hash"])


async def test_a_restart_with_the_seed_keeps_a_password_changed_since(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    async with running_directory(store, demo_seed=True):
        pass
    seeded = await stored_hash(store, DIRECTOR.user_id)
    assert seeded is not None
    assert PasswordHasher().verify(seeded, DEMO_PASSWORD)

    own = PasswordHasher().hash(OWN_PASSWORD)
    storage = await open_storage(f"sqlite://{store}", service_name="directory")
    try:
        async with storage.documents.transaction() as tx:
            await tx.put(CREDENTIALS, DIRECTOR.user_id, {"hash": own})
    finally:
        await storage.close()

    async with running_directory(store, demo_seed=True):
        pass
    assert await stored_hash(store, DIRECTOR.user_id) == own
