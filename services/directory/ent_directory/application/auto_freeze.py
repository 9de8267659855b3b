"""Freeze, automatically, an account that keeps hitting the send limits (security issue
#10): a hijacked account sending in bulk hits the Messagerie's or the Casier's limits
again and again, and is frozen before its owner or the direction notices.

Two halves, because a consumer's transaction may write read models but not append to the
event store:
- `LimitHitsProjection` consumes `mail.SendLimitReached` and `locker.DepositLimitReached`
  from their topics and keeps each account's hits of the last day (a redelivered event
  counts once: the kit marks each event handled in the same transaction);
- `AutoFreeze.run_once`, a periodic job on the lease holder, freezes every account with
  enough hits through the directory's freeze command, as the system. Freezing a frozen
  account records nothing, so a job that runs twice, or dies between the freeze and its
  note, freezes once. Hits counted for a freeze are not counted again: an account the
  direction unfreezes starts afresh."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from ent_contracts import Actor, DomainEvent, Envelope
from ent_contracts.locker import DepositLimitReached
from ent_contracts.mail import SendLimitReached
from ent_kit.errors import NotFound
from ent_kit.logging import get_logger
from ent_kit.storage import DocumentStore, DocumentWriter, Query, Range, find_all

from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.projections import READ_PAGE

MAIL_HITS = "limit_hits_mail"
LOCKER_HITS = "limit_hits_locker"
AUTO_FREEZES = "auto_freezes"  # per account: the hits already counted for a freeze
WINDOW = timedelta(hours=24)
RUN_INTERVAL_S = 5.0  # how soon after the deciding hit the account is frozen
ACTOR = Actor(kind="system", id="auto-freeze")
REASON = "limite d'envoi dépassée à répétition"  # shown to the direction with the account
log = get_logger("ent.directory.auto_freeze")


def _at(moment: datetime) -> str:
    """One spelling for every moment stored here, so that they compare as strings."""
    return moment.astimezone(UTC).isoformat()


class LimitHitsProjection:
    """One account's limit hits of the last day, from one service's topic (one instance
    per topic: each consumer group, and each collection, has one writer)."""

    def __init__(self, name: str, collection: str) -> None:
        self.name = name
        self.collections = (collection,)
        # Two rare types of the sending services' busy topics: the rest is skipped unread.
        self.handles = frozenset({SendLimitReached.event_type, DepositLimitReached.event_type})
        self._collection = collection

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case SendLimitReached() | DepositLimitReached():
                await _record_hit(tx, self._collection, event, envelope.occurred_at)


async def _record_hit(
    tx: DocumentWriter,
    collection: str,
    event: SendLimitReached | DepositLimitReached,
    occurred_at: datetime,
) -> None:
    doc = await tx.get(collection, event.sender_id) or {"hits": []}
    since = _at(occurred_at - WINDOW)
    hit = {"at": _at(occurred_at), "limit": event.event_type + ":" + event.limit}
    hits = sorted([h for h in doc["hits"] if h["at"] > since] + [hit], key=lambda h: h["at"])
    await tx.put(collection, event.sender_id, {"hits": hits, "last_at": hits[-1]["at"]})


MAIL_LIMIT_HITS = LimitHitsProjection("mail_limit_hits", MAIL_HITS)
LOCKER_LIMIT_HITS = LimitHitsProjection("locker_limit_hits", LOCKER_HITS)


class AutoFreeze:
    def __init__(
        self, documents: DocumentStore, commands: DirectoryCommands, after_hits: int
    ) -> None:
        self._documents = documents
        self._commands = commands
        self._after_hits = after_hits  # 0: never

    async def run_once(self, now: datetime) -> int:
        """Freeze the accounts with `after_hits` hits or more within the last WINDOW;
        returns how many were frozen by this run."""
        if self._after_hits <= 0:
            return 0
        frozen = 0
        for user_id, hits in (await self._recent_hits(now)).items():
            if len(hits) >= self._after_hits:
                frozen += await self._freeze(user_id, hits)
        return frozen

    async def _recent_hits(self, now: datetime) -> dict[str, list[dict[str, Any]]]:
        """Each account's hits within the window, not yet counted for a freeze."""
        since = _at(now - WINDOW)
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        query = Query(ranges={"last_at": Range(gt=since)}, limit=READ_PAGE)
        for collection in (MAIL_HITS, LOCKER_HITS):
            async for doc in find_all(self._documents, collection, query):
                found[doc["id"]] += [h for h in doc["hits"] if h["at"] > since]
        counted = await self._documents.get_many(AUTO_FREEZES, sorted(found))
        fresh: dict[str, list[dict[str, Any]]] = {}
        for user_id, hits in found.items():
            through = counted.get(user_id, {}).get("through", "")
            if new := sorted((h for h in hits if h["at"] > through), key=lambda h: h["at"]):
                fresh[user_id] = new
        return fresh

    async def _freeze(self, user_id: str, hits: list[dict[str, Any]]) -> int:
        try:
            position = await self._commands.freeze(user_id, ACTOR, REASON)
        except NotFound:
            position = 0  # an account the directory does not know: nothing to freeze
        async with self._documents.transaction() as tx:
            await tx.put(AUTO_FREEZES, user_id, {"through": hits[-1]["at"], "hits": hits})
        if position:
            log.warning(
                "account frozen: send limits hit again and again",
                security_event="auto_freeze",
                user_id=user_id,
                hits=len(hits),
                limits=sorted({h["limit"] for h in hits}),
                window_h=WINDOW.total_seconds() / 3600,
            )
        return 1 if position else 0
