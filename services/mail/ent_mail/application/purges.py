"""Automatic purges, run as periodic jobs on the lease holder, each recorded as events:
the trash after its retention, Reçus after 90 days (Archives and the user's own folders
are kept: seed 002 §I-2), drafts without activity for 7 days."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import partial

from ent_contracts import SYSTEM
from ent_contracts.mail import PurgeReason
from ent_kit.errors import NotFound
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader, Query, Range, find_all

from ent_mail.application.mailbox_projection import COPIES, DRAFTS_COLLECTION
from ent_mail.domain.draft import Draft, draft_stream
from ent_mail.domain.mailbox import INBOX, MAX_SELECTION, TRASH, Mailbox, mailbox_id


class Purges:
    def __init__(
        self,
        reader: DocumentReader,
        mailboxes: Repository[Mailbox],
        drafts: Repository[Draft],
        projector: LocalProjector,
    ) -> None:
        self._reader = reader
        self._mailboxes = mailboxes
        self._drafts = drafts
        self._projector = projector
        self._last = 0  # the last position this run appended

    async def run(self, *, trash: timedelta, inbox: timedelta, drafts: timedelta) -> dict[str, int]:
        now = datetime.now(UTC)
        purged = {
            "trash": await self._copies(TRASH, "trashed_at", now - trash, "trash_retention"),
            "inbox": await self._copies(INBOX, "sent_at", now - inbox, "inbox_retention"),
            "drafts": await self._stale_drafts(now - drafts),
        }
        await self._projector.caught_up(self._last)  # the next run sees this one's work
        return purged

    async def _copies(self, folder: str, field: str, before: datetime, reason: PurgeReason) -> int:
        query = Query(
            where={"folder": folder},
            ranges={field: Range(lt=before)},
            order_by=[(field, "asc")],
            limit=1000,
        )
        by_user: dict[str, list[str]] = defaultdict(list)
        async for copy in find_all(self._reader, COPIES, query):
            by_user[copy["user_id"]].append(copy["message_id"])
        for user_id, ids in by_user.items():
            for start in range(0, len(ids), MAX_SELECTION):
                chunk = ids[start : start + MAX_SELECTION]
                saved = await self._mailboxes.update(
                    mailbox_id(user_id),
                    partial(Mailbox.purge, ids=chunk, reason=reason),
                    SYSTEM,
                    create=True,
                )
                self._last = max(self._last, saved.position)
        return sum(len(ids) for ids in by_user.values())

    async def _stale_drafts(self, before: datetime) -> int:
        query = Query(
            ranges={"saved_at": Range(lt=before)}, order_by=[("saved_at", "asc")], limit=1000
        )
        stale = [d async for d in find_all(self._reader, DRAFTS_COLLECTION, query)]
        for draft in stale:
            end = partial(Draft.end, owner_id=draft["owner_id"], reason="expired")
            with contextlib.suppress(NotFound):  # sent or discarded meanwhile
                saved = await self._drafts.update(draft_stream(draft["id"]), end, SYSTEM)
                self._last = max(self._last, saved.position)
        return len(stale)
