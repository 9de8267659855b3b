"""Local accounts (embedded profile): argon2 password hashes.

Deliberately not event-sourced: a password hash must never travel on the event stream
that analytics consumers read. Hashes live in the directory's own store, and no other
service sees a password: an OIDC/CAS deployment replaces this module and nothing else.
"""

from __future__ import annotations

import asyncio
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from ent_contracts.directory_api import PasswordCheck, SignInAccount
from ent_kit.auth import Identity
from ent_kit.errors import Refused, Unauthenticated
from ent_kit.storage import DocumentStore, Query

from ent_directory import texts
from ent_directory.application.management import require_service
from ent_directory.application.projections import USERS
from ent_directory.application.views import sign_in_account

CREDENTIALS = "credentials"
MIN_PASSWORD_LENGTH = 8


class Credentials:
    def __init__(self, documents: DocumentStore, hasher: PasswordHasher | None = None) -> None:
        self._documents = documents
        self._hasher = hasher or PasswordHasher()

    async def hash(self, password: str) -> str:
        # argon2 is deliberately slow: keep it off the event loop.
        return await asyncio.to_thread(self._hasher.hash, password)

    async def set_password(self, user_ids: list[str], password: str) -> None:
        """One hash for all (demo accounts share a password; real ones get one each)."""
        if len(password) < MIN_PASSWORD_LENGTH:
            message = texts.PASSWORD_TOO_SHORT.format(min=MIN_PASSWORD_LENGTH)
            raise Refused("password", "too_short", message, min=MIN_PASSWORD_LENGTH)
        password_hash = await self.hash(password)
        async with self._documents.transaction() as tx:
            for user_id in user_ids:
                await tx.put(CREDENTIALS, user_id, {"hash": password_hash})

    async def sign_in(self, caller: Identity, check: PasswordCheck) -> SignInAccount:
        """The gateway's password sign-in (services only). An unknown login and a wrong
        password answer alike: Unauthenticated `invalid_credentials`."""
        require_service(caller)
        user = await self.authenticate(check.login, check.password)
        if user is None:
            raise Unauthenticated("login", "invalid_credentials", texts.INVALID_CREDENTIALS)
        return sign_in_account(user)

    async def authenticate(self, login: str, password: str) -> dict[str, Any] | None:
        """The account's user document, or None: an unknown login and a wrong password
        are indistinguishable to the caller."""
        page = await self._documents.find(
            USERS, Query(where={"login": login.strip().lower()}, limit=1)
        )
        user = page.items[0] if page.items else None
        stored = await self._documents.get(CREDENTIALS, user["id"]) if user else None
        if user is None or stored is None or not user["active"]:
            await asyncio.to_thread(self._burn, password)  # same cost as a real check
            return None
        try:
            await asyncio.to_thread(self._hasher.verify, stored["hash"], password)
        except (VerificationError, InvalidHashError):
            return None
        return user

    def _burn(self, password: str) -> None:
        self._hasher.hash(password)
