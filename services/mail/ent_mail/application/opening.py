"""Opening a message: it is marked read (seed 002 §I-1, automatically on opening), then
shown as its reader now sees it."""

from __future__ import annotations

from ent_kit.auth import Identity

from ent_mail.application.mailbox_commands import MailboxCommands
from ent_mail.application.queries import MailQueries
from ent_mail.application.views import MessageView


class Opening:
    def __init__(self, mailbox: MailboxCommands, queries: MailQueries) -> None:
        self._mailbox = mailbox
        self._queries = queries

    async def open(self, me: Identity, message_id: str, folder: str | None) -> MessageView:
        await self._mailbox.open(me, message_id)  # NotFound for a message not theirs
        return await self._queries.message(me, message_id, in_folder=folder)
