"""Wrong current passwords given to change one's password, counted per account in the store
(so every replica sees them). A stolen session must not become a way to guess the password,
which would keep the thief in once the session ends: after `FREE` wrong ones within
`WINDOW`, a change is refused (429) until the window has passed. A right one clears the
count."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from ent_kit.errors import TooMany
from ent_kit.storage import DocumentStore

from ent_directory import texts

GUESSES = "password_change_guesses"
FREE = 5
WINDOW = timedelta(minutes=15)


class PasswordGuesses:
    def __init__(self, documents: DocumentStore, clock: Callable[[], datetime]) -> None:
        self._documents = documents
        self._clock = clock

    async def admit(self, user_id: str) -> None:
        """TooMany while the account has used up its wrong guesses."""
        record = await self._documents.get(GUESSES, user_id)
        if record is None or record["count"] < FREE:
            return
        wait = datetime.fromisoformat(record["since"]) + WINDOW - self._clock()
        if wait.total_seconds() > 0:
            raise TooMany(
                "current_password",
                "too_many_attempts",
                texts.TOO_MANY_PASSWORD_GUESSES,
                retry_after_s=max(1, math.ceil(wait.total_seconds())),
            )

    async def failed(self, user_id: str) -> None:
        now = self._clock()
        async with self._documents.transaction() as tx:
            record = await tx.get(GUESSES, user_id)
            if record is None or datetime.fromisoformat(record["since"]) + WINDOW <= now:
                record = {"count": 0, "since": now.isoformat()}
            await tx.put(GUESSES, user_id, {**record, "count": record["count"] + 1})

    async def succeeded(self, user_id: str) -> None:
        async with self._documents.transaction() as tx:
            await tx.delete(GUESSES, user_id)
