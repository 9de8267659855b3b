"""Link passwords: argon2id off the event loop, and wrong guesses throttled per link in the
store (every replica counts the same attempts)."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from ent_kit.errors import TooMany
from ent_kit.storage import DocumentStore

from ent_transfer import texts

ATTEMPTS = "transfer_password_attempts"  # id: transfer id → failures in the current window
# Hashing is CPU and memory bound: a few at a time, whatever the number of requests.
_CONCURRENT = 2


class Passwords:
    def __init__(
        self,
        hasher: PasswordHasher,
        documents: DocumentStore,
        *,
        attempts: int,
        window: timedelta,
    ) -> None:
        self._hasher = hasher
        self._documents = documents
        self._attempts = attempts
        self._window = window
        self._slots = asyncio.Semaphore(_CONCURRENT)

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, transfer_id: str, password_hash: str, password: str) -> bool:
        """True when right; a wrong one is counted, and once `attempts` are wrong within the
        window every try waits for it to pass (429), right or wrong."""
        now = datetime.now(UTC)
        record = await self._documents.get(ATTEMPTS, transfer_id)
        failures, since = 0, now
        if record is not None:
            since = datetime.fromisoformat(record["since"])
            failures = record["failures"] if now - since < self._window else 0
            since = since if failures else now
        if failures >= self._attempts:
            wait = math.ceil((since + self._window - now).total_seconds())
            raise TooMany(
                "password",
                "password_throttled",
                texts.PASSWORD_THROTTLED,
                retry_after_s=max(wait, 1),
            )
        async with self._slots:
            right = await asyncio.to_thread(self._check, password_hash, password)
        if not right:
            async with self._documents.transaction() as tx:
                await tx.put(
                    ATTEMPTS, transfer_id, {"failures": failures + 1, "since": since.isoformat()}
                )
        return right

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
