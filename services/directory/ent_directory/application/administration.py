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
from ent_kit.storage import DocumentReader, EventStore

from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.csv_stream import MAX_IMPORT_BYTES, decode_lines
from ent_directory.application.management import Management
from ent_directory.application.projections import USERS
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
    ) -> None:
        self._commands = commands
        self._management = management
        self._reader = reader
        self._events = events
        self._projector = projector

    # --- accounts -----------------------------------------------------------------------

    async def freeze(self, caller: Identity, user_id: str, reason: str = "") -> Account:
        """The account may still sign in and read; every send is refused."""
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
        await self._projector.caught_up(position or await self._events.last_position())
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
        return RuleView(rule_id=rule.rule_id, **msgspec.structs.asdict(body))

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
