"""What a school's direction (or a platform service) does to the school: freeze and
unfreeze accounts, grant and revoke communication rules, import the school from CSV.

Each use case checks who asks (`management.py`), changes the aggregates through
`DirectoryCommands`, then waits for the read model before it answers (read-your-writes):
the next request sees the change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import msgspec
from ent_kit.auth import Identity
from ent_kit.projections import LocalProjector
from ent_kit.sessions import StoredSessions
from ent_kit.storage import DocumentReader, EventStore, Query

from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.csv_stream import MAX_IMPORT_BYTES, decode_lines
from ent_directory.application.management import Management
from ent_directory.application.projections import RULES, USERS
from ent_directory.application.school_import import ImportReport, SchoolImport
from ent_directory.application.views import Account, RuleBody, RuleView, account
from ent_directory.domain.defaults import permission
from ent_directory.domain.import_rows import parse_csv

IMPORT_TIMEOUT_S = 60.0  # an import writes thousands of events: the projector needs time


class Administration:
    def __init__(
        self,
        commands: DirectoryCommands,
        management: Management,
        reader: DocumentReader,
        events: EventStore,
        projector: LocalProjector,
        sessions: LocalProjector | None = None,
        gate: StoredSessions | None = None,
    ) -> None:
        self._commands = commands
        self._management = management
        self._reader = reader
        self._events = events
        self._projector = projector
        self._sessions = sessions  # the session versions this service's token check reads
        self._gate = gate

    # --- accounts -----------------------------------------------------------------------

    async def freeze(self, caller: Identity, user_id: str, reason: str = "") -> Account:
        """Every send is refused, and the account's sessions end: it may no longer sign in,
        and its tokens are refused within seconds everywhere (here, once this answers)."""
        await self._management.user(caller, user_id)
        position = await self._commands.freeze(user_id, caller.actor, reason)
        return await self._account(user_id, position)

    async def unfreeze(self, caller: Identity, user_id: str) -> Account:
        await self._management.user(caller, user_id)
        position = await self._commands.unfreeze(user_id, caller.actor)
        return await self._account(user_id, position)

    async def _account(self, user_id: str, position: int) -> Account:
        # Nothing saved (already in that state): the event that put it there may still be
        # on its way to the read model.
        position = position or await self._events.last_position()
        await self._projector.caught_up(position)
        if self._sessions is not None:
            await self._sessions.caught_up(position)
        if self._gate is not None:
            self._gate.forget(user_id)  # here at once; other replicas within the cache's second
        doc = await self._reader.get(USERS, user_id)
        assert doc is not None, "checked by the management rules, and never deleted"
        return account(doc)

    # --- communication rules ------------------------------------------------------------

    async def grant(self, caller: Identity, school_id: str, body: RuleBody) -> RuleView:
        """Grant a rule (one direction); its id follows from what it permits."""
        await self._management.school(caller, school_id)
        rule = permission(
            body.list_kind,
            body.sender_scope,
            body.sender_role,
            body.recipient_scope,
            body.recipient_role,
        )
        position = await self._commands.grant(school_id, rule, caller.actor)
        await self._projector.caught_up(position)
        return await self._granting(school_id, body)

    async def _granting(self, school_id: str, body: RuleBody) -> RuleView:
        """The rule that grants this permission: the new one, or the one that already did
        (under another list maybe), never an id no rule has."""
        permits = msgspec.structs.asdict(body)
        del permits["list_kind"]
        query = Query(where={"school_id": school_id, **permits}, limit=1)
        found = (await self._reader.find(RULES, query)).items[0]
        return msgspec.convert({**found, "rule_id": found["id"]}, RuleView)

    async def revoke(self, caller: Identity, school_id: str, rule_id: str) -> None:
        await self._management.school(caller, school_id)
        position = await self._commands.revoke(school_id, rule_id, caller.actor)
        await self._projector.caught_up(position)

    # --- import -------------------------------------------------------------------------

    async def may_import(self, caller: Identity, school_id: str) -> None:
        """Forbidden unless the caller manages the school. Asked before anything about the
        file (its media type, its declared length), so that who may not import learns
        nothing from what they sent."""
        await self._management.school(caller, school_id)

    async def import_school(
        self, caller: Identity, school_id: str, body: AsyncIterator[bytes]
    ) -> ImportReport:
        """A CSV file, streamed (at most MAX_IMPORT_BYTES), applied to the school. The
        caller is checked before a byte of the file is read."""
        await self._management.school(caller, school_id)
        lines = await decode_lines(body, MAX_IMPORT_BYTES)
        parsed = await asyncio.to_thread(parse_csv, lines)
        importer = SchoolImport(self._commands, self._reader, caller.actor, self._refresh)
        report = await importer.run(school_id, parsed)
        await self._refresh()  # the imported users are visible to the next request
        return report

    async def _refresh(self) -> None:
        """The read model, up to date with everything in the event store."""
        last = await self._events.last_position()
        await self._projector.caught_up(last, timeout=IMPORT_TIMEOUT_S)
