"""The directory's password checks: argon2 on a small pool of its own (never more hashes in
flight than its workers, however many sign-ins arrive at once), today's argon2 parameters
for new hashes, older hashes still verified and hashed again, and unknown logins costing
one hash like known ones."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from ent_directory.application.credentials import CREDENTIALS, Credentials, PasswordHashing
from ent_directory.application.projections import USERS
from ent_directory.service import SERVICE, hashing
from ent_directory.settings import DirectorySettings
from ent_kit.runtime import Runtime
from ent_kit.settings import load_settings
from ent_kit.storage import DocumentStore, open_storage
from opentelemetry.sdk.trace import TracerProvider

PASSWORD = "correct horse battery"


class CountingHasher:
    """A stand-in for argon2's PasswordHasher that records how many hashes run at once."""

    def __init__(self, seconds: float = 0.02) -> None:
        self.seconds = seconds
        self.in_flight = 0
        self.peak = 0
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def _work(self, kind: str) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.calls.append(kind)
        time.sleep(self.seconds)
        with self._lock:
            self.in_flight -= 1

    def hash(self, password: str) -> str:
        self._work("hash")
        return f"fake${password}"

    def verify(self, hash: str, password: str) -> bool:
        self._work("verify")
        if hash != f"fake${password}":
            raise VerifyMismatchError()
        return True

    def check_needs_rehash(self, hash: str) -> bool:
        return False


@pytest.fixture
async def documents(tmp_path: Path) -> AsyncIterator[DocumentStore]:
    storage = await open_storage(f"sqlite://{tmp_path / 'store.db'}", service_name="directory")
    try:
        yield storage.documents
    finally:
        await storage.close()


async def add_user(documents: DocumentStore, login: str, password_hash: str | None) -> None:
    async with documents.transaction() as tx:
        await tx.put(USERS, f"id-{login}", {"id": f"id-{login}", "login": login, "active": True})
        if password_hash is not None:
            await tx.put(CREDENTIALS, f"id-{login}", {"hash": password_hash})


async def stored_hash(documents: DocumentStore) -> str:
    stored = await documents.get(CREDENTIALS, "id-lucas.martin")
    assert stored is not None
    return str(stored["hash"])


async def test_twenty_concurrent_checks_never_run_more_than_two_hashes_at_once(
    documents: DocumentStore,
) -> None:
    fake = CountingHasher()
    pool = PasswordHashing(fake, workers=2)
    credentials = Credentials(documents, pool)
    await add_user(documents, "lucas.martin", f"fake${PASSWORD}")
    try:
        logins = ["lucas.martin", "nobody.here"] * 10  # known and unknown, wrong passwords
        results = await asyncio.gather(
            *(credentials.authenticate(login, "wrong-password") for login in logins)
        )
    finally:
        await pool.close()

    assert results == [None] * 20
    assert fake.peak == 2
    assert fake.calls.count("verify") == 20  # every check costs one hash, unknown logins too


async def test_an_unknown_login_costs_one_hash_of_todays_parameters(
    documents: DocumentStore,
) -> None:
    hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    pool = PasswordHashing(hasher, workers=1)
    try:
        assert await Credentials(documents, pool).authenticate("nobody.here", PASSWORD) is None
        dummy = pool._dummy
    finally:
        await pool.close()

    assert dummy is not None
    assert "m=8192,t=1,p=1" in dummy
    assert not hasher.check_needs_rehash(dummy)


async def test_an_older_hash_still_verifies_and_is_hashed_again_with_todays_parameters(
    documents: DocumentStore,
) -> None:
    old = PasswordHasher(time_cost=1, memory_cost=16384, parallelism=2).hash(PASSWORD)
    await add_user(documents, "lucas.martin", old)
    today = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1)
    pool = PasswordHashing(today, workers=1)
    credentials = Credentials(documents, pool)
    try:
        assert await credentials.authenticate("lucas.martin", "wrong-password") is None
        assert await stored_hash(documents) == old

        user = await credentials.authenticate("Lucas.Martin", PASSWORD)
    finally:
        await pool.close()

    assert user is not None
    assert user["id"] == "id-lucas.martin"
    stored = await documents.get(CREDENTIALS, "id-lucas.martin")
    assert stored is not None
    assert stored["hash"] != old
    assert "m=8192,t=2,p=1" in stored["hash"]
    assert today.verify(stored["hash"], PASSWORD)


async def test_a_hash_of_todays_parameters_is_left_alone(documents: DocumentStore) -> None:
    today = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    current = today.hash(PASSWORD)
    await add_user(documents, "lucas.martin", current)
    pool = PasswordHashing(today, workers=1)
    try:
        assert await Credentials(documents, pool).authenticate("lucas.martin", PASSWORD)
    finally:
        await pool.close()

    assert await stored_hash(documents) == current


def test_argon2_defaults_fit_the_pod_memory() -> None:
    settings = load_settings(DirectorySettings, {}, {"service_name": "directory"})
    assert (settings.argon2_memory_kib, settings.argon2_time_cost) == (19456, 2)
    assert settings.argon2_parallelism == 1
    hashing_mib = settings.password_hash_workers * settings.argon2_memory_kib / 1024
    assert hashing_mib < 512 / 4  # the chart's directory limit is 512 Mi
    custom = load_settings(
        DirectorySettings,
        {"ENT_ARGON2_MEMORY_KIB": "12288", "ENT_PASSWORD_HASH_WORKERS": "3"},
        {"service_name": "directory"},
    )
    assert (custom.argon2_memory_kib, custom.password_hash_workers) == (12288, 3)


async def test_the_service_builds_one_pool_from_its_settings() -> None:
    settings = DirectorySettings(
        service_name="directory", argon2_memory_kib=8192, argon2_time_cost=1
    )
    runtime = Runtime(SERVICE, settings, TracerProvider())
    pool = hashing(runtime)
    try:
        assert hashing(runtime) is pool
        assert "m=8192,t=1,p=1" in await pool.hash(PASSWORD)
    finally:
        await pool.close()


async def test_the_seed_gives_a_password_only_to_accounts_without_one(
    documents: DocumentStore,
) -> None:
    pool = PasswordHashing(CountingHasher(seconds=0), workers=1)
    credentials = Credentials(documents, pool)
    await add_user(documents, "claire.directrice", "fake$her-own-password")
    await add_user(documents, "lucas.martin", None)
    try:
        ids = ["id-claire.directrice", "id-lucas.martin"]
        assert await credentials.set_missing_passwords(ids, PASSWORD) == ["id-lucas.martin"]
        assert await credentials.set_missing_passwords(ids, PASSWORD) == []  # a restart
    finally:
        await pool.close()

    director = await documents.get(CREDENTIALS, "id-claire.directrice")
    assert director is not None
    assert director["hash"] == "fake$her-own-password"  # never reset to the demo one
    assert await stored_hash(documents) == f"fake${PASSWORD}"
