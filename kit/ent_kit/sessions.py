"""Sessions that end: per account, the session version below which its tokens are void.

The directory raises an account's version (`SessionsEnded`) when it is frozen or leaves,
gets a new password, or signs out everywhere; a token carries the version it was issued
with (`Identity.session_version`). Every service keeps the versions in its own store
(`SessionsProjection`, fed by the directory's topic, or by its own log in the directory),
and `StoredSessions` answers the token check from that store: no call to the directory per
request. Whichever replica applies the events, every replica reads the same store, through
a cache of about a second: a session ended is refused everywhere within seconds.

Only accounts whose sessions ended once are stored (an absent one is at version 0).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ent_contracts import DomainEvent, Envelope
from ent_contracts.directory import SessionsEnded

from ent_kit.storage import DocumentReader, DocumentWriter

SESSIONS = "_sessions"
PROJECTION_NAME = "sessions"
# How long a replica trusts the version it read: the delay, at most, before it refuses a
# token whose session ended (on top of the event's way to its store).
CACHE_S = 1.0
# Past this many cached accounts the cache starts again empty: memory stays bounded
# however many people sign in, at the cost of one store read each afterwards.
MAX_CACHED = 50_000


class SessionsProjection:
    """Per account, the highest session version seen. Versions only rise: an event seen
    late (a replay, another partition's order) never lowers one."""

    name = PROJECTION_NAME
    collections = (SESSIONS,)
    # Of the directory's busy topic, every service needs this one rare type.
    handles = frozenset({SessionsEnded.event_type})

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        if not isinstance(event, SessionsEnded):
            return
        if event.session_version > await current_version(tx, event.user_id):
            await tx.put(SESSIONS, event.user_id, {"version": event.session_version})


async def current_version(reader: DocumentReader, user_id: str) -> int:
    """The account's session version as this store knows it (0: never ended)."""
    doc = await reader.get(SESSIONS, user_id)
    return int(doc["version"]) if doc is not None else 0


class StoredSessions:
    """The token check's `SessionGate`, read from the store. `documents` is asked at each
    read, not at construction: the gate is built with the app, the store opened later."""

    def __init__(
        self,
        documents: Callable[[], DocumentReader],
        *,
        cache_s: float = CACHE_S,
        max_cached: int = MAX_CACHED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._documents = documents
        self._cache_s = cache_s
        self._max_cached = max_cached
        self._clock = clock
        self._cached: dict[str, tuple[int, float]] = {}  # user id: (version, read at)

    async def is_current(self, user_id: str, session_version: int) -> bool:
        """Whether a token of `session_version` still opens this account's session. A
        version above the stored one is current: this store has not seen it rise yet."""
        return session_version >= await self.current(user_id)

    def forget(self, user_id: str) -> None:
        """Read the account's version afresh next time: this process just ended its
        sessions, and refuses the old tokens at once rather than within the cache's second."""
        self._cached.pop(user_id, None)

    async def current(self, user_id: str) -> int:
        now = self._clock()
        cached = self._cached.get(user_id)
        if cached is not None and now - cached[1] < self._cache_s:
            return cached[0]
        version = await current_version(self._documents(), user_id)
        if len(self._cached) >= self._max_cached:
            self._cached.clear()
        self._cached[user_id] = (version, now)
        return version
