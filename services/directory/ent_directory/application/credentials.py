"""Local accounts (embedded profile): argon2 password hashes.

Deliberately not event-sourced: a password hash must never travel on the event stream
that analytics consumers read. Hashes live in the directory's own store, and no other
service sees a password: an OIDC/CAS deployment replaces this module and nothing else.

argon2 is memory-hard on purpose (each hash holds `memory_cost` KiB while it runs), so
hashing runs on a small pool of its own (`PasswordHashing`): however many sign-ins arrive
at once, at most `workers` hashes are in flight, and the directory's memory stays bounded
by workers x memory cost. The others wait their turn in the pool's queue (a few bytes each).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import msgspec
from argon2.exceptions import InvalidHashError, VerificationError
from ent_contracts.directory_api import PasswordCheck, SignInAccount
from ent_kit.auth import Identity
from ent_kit.errors import Refused, Unauthenticated
from ent_kit.logging import get_logger
from ent_kit.sessions import current_version
from ent_kit.storage import DocumentReader, DocumentStore, Query

from ent_directory import texts
from ent_directory.application.management import require_service
from ent_directory.application.projections import USERS
from ent_directory.application.views import sign_in_account

CREDENTIALS = "credentials"
# ANSSI's floor for a password that alone protects an account; the cap keeps a pasted
# novel from being hashed (argon2 reads it all).
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# What an unknown login is checked against: never anyone's password.
_DUMMY_PASSWORD = "ent-no-such-account"

log = get_logger("ent.directory.credentials")
T = TypeVar("T")


class Hasher(Protocol):
    """What `argon2.PasswordHasher` offers and this module uses."""

    def hash(self, password: str) -> str: ...

    def verify(self, hash: str, password: str) -> bool: ...

    def check_needs_rehash(self, hash: str) -> bool: ...


class PasswordHashing:
    """argon2 off the event loop, at most `workers` hashes at once (one per worker thread:
    argon2-cffi releases the GIL while it hashes). One per process, shared by every
    request; `close()` at shutdown."""

    def __init__(self, hasher: Hasher, *, workers: int = 2) -> None:
        self._hasher = hasher
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._dummy: str | None = None

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether `password` matches; a hash of other argon2 parameters verifies too
        (argon2 writes its parameters into the hash)."""
        return await self._run(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """The hash was made with other parameters than today's (cheap: parses only)."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError):
            return True

    async def burn(self, password: str) -> None:
        """The cost of one real check, for a login that has no password: verified against
        a dummy hash of today's parameters, so timing does not tell which logins exist."""
        if self._dummy is None:
            self._dummy = await self.hash(_DUMMY_PASSWORD)
        await self.verify(self._dummy, password)

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


class Credentials:
    def __init__(self, documents: DocumentStore, hashing: PasswordHashing) -> None:
        self._documents = documents
        self._hashing = hashing

    async def hash(self, password: str) -> str:
        return await self._hashing.hash(password)

    async def set_password(
        self, user_ids: list[str], password: str, *, field: str = "password"
    ) -> None:
        """One hash for all (demo accounts share a password; real ones get one each).
        Refused, naming `field`, unless the password is strong enough."""
        check_strength(password, field)
        password_hash = await self.hash(password)
        async with self._documents.transaction() as tx:
            for user_id in user_ids:
                await tx.put(CREDENTIALS, user_id, {"hash": password_hash})

    async def set_missing_passwords(self, user_ids: list[str], password: str) -> list[str]:
        """The demo seed's: `password` for those of `user_ids` that have none yet, never
        over an existing one (a demo account given a password of its own keeps it). The
        ids given one."""
        existing = await self._documents.get_many(CREDENTIALS, user_ids)
        missing = [user_id for user_id in user_ids if user_id not in existing]
        if not missing:
            return []
        password_hash = await self.hash(password)
        given: list[str] = []
        async with self._documents.transaction() as tx:
            for user_id in missing:
                if await tx.get(CREDENTIALS, user_id) is None:  # none set meanwhile
                    await tx.put(CREDENTIALS, user_id, {"hash": password_hash})
                    given.append(user_id)
        return given

    async def sign_in(self, caller: Identity, check: PasswordCheck) -> SignInAccount:
        """The gateway's password sign-in (services only). An unknown login and a wrong
        password answer alike: Unauthenticated `invalid_credentials`."""
        require_service(caller)
        user = await self.authenticate(check.login, check.password)
        if user is None:
            raise Unauthenticated("login", "invalid_credentials", texts.INVALID_CREDENTIALS)
        return await sign_in_answer(self._documents, user)

    async def authenticate(self, login: str, password: str) -> dict[str, Any] | None:
        """The account's user document, or None: an unknown login and a wrong password
        are indistinguishable to the caller, in the answer and in the time it takes, and
        so are a departed or frozen account (which may not sign in).
        A good password whose hash has older parameters is hashed again with today's."""
        page = await self._documents.find(
            USERS, Query(where={"login": login.strip().lower()}, limit=1)
        )
        user = page.items[0] if page.items else None
        stored = await self._documents.get(CREDENTIALS, user["id"]) if user else None
        if user is None or stored is None or not user["active"] or user.get("frozen"):
            await self._hashing.burn(password)  # same cost as a real check
            return None
        if not await self._hashing.verify(stored["hash"], password):
            return None
        if self._hashing.needs_rehash(stored["hash"]):
            await self._rehash(user["id"], stored["hash"], password)
        return user

    async def verify(self, user_id: str, password: str) -> bool:
        """Whether `password` is the account's (a signed-in user confirming who they are)."""
        stored = await self._documents.get(CREDENTIALS, user_id)
        if stored is None:
            await self._hashing.burn(password)
            return False
        return await self._hashing.verify(stored["hash"], password)

    async def _rehash(self, user_id: str, old_hash: str, password: str) -> None:
        new_hash = await self.hash(password)
        async with self._documents.transaction() as tx:
            current = await tx.get(CREDENTIALS, user_id)
            if current is None or current.get("hash") != old_hash:
                return  # changed meanwhile (a new password): keep it
            await tx.put(CREDENTIALS, user_id, {**current, "hash": new_hash})
        log.info("password rehashed", user_id=user_id)


async def sign_in_answer(reader: DocumentReader, user: dict[str, Any]) -> SignInAccount:
    """A user document as the gateway needs it to issue a token, with the session version
    every service will check that token against (`ent_kit.sessions`)."""
    version = await current_version(reader, user["id"])
    return msgspec.structs.replace(sign_in_account(user), session_version=version)


def check_strength(password: str, field: str) -> None:
    """Refused, naming `field`, unless MIN_PASSWORD_LENGTH to MAX_PASSWORD_LENGTH long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        message = texts.PASSWORD_TOO_SHORT.format(min=MIN_PASSWORD_LENGTH)
        raise Refused(field, "too_short", message, min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        message = texts.PASSWORD_TOO_LONG.format(max=MAX_PASSWORD_LENGTH)
        raise Refused(field, "too_long", message, max=MAX_PASSWORD_LENGTH)
