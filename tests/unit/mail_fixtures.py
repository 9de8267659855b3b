"""Shared fixtures for the Messagerie's unit tests: its commands on a real SQLite store,
both local projections running, the directory's decision faked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from ent_contracts.directory_api import Recipient, RefusedRecipient, Verdict
from ent_kit.auth import Identity
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.signal import AppendSignal
from ent_kit.storage import Storage
from ent_mail.application.address_book import AddressBookService
from ent_mail.application.drafts import DraftCommands
from ent_mail.application.forms import MessageForm
from ent_mail.application.mailbox_commands import MailboxCommands
from ent_mail.application.mailbox_projection import (
    COPIES,
    FOLDER_COUNTS,
    MailboxProjection,
    copy_id,
    count_id,
)
from ent_mail.application.purges import Purges
from ent_mail.application.send_limits import SendLimits
from ent_mail.application.sender_projection import SenderProjection
from ent_mail.application.sending import SendService
from ent_mail.domain.address_book import AddressBook
from ent_mail.domain.conversation import Conversation
from ent_mail.domain.draft import Draft
from ent_mail.domain.limits import Limits, SendLog
from ent_mail.domain.mailbox import Mailbox
from kit_fixtures import storage

__all__ = ["storage"]

TEACHER = Identity(user_id="teacher-1", profile="teacher")
PARENT = Identity(user_id="parent-1", profile="parent")
OTHER_PARENT = Identity(user_id="parent-2", profile="parent")
STUDENT = Identity(user_id="student-1", profile="student")
CPE = Identity(user_id="cpe-1", profile="staff")
CLASS_PARENTS = "group:class-6a:parents"


class FakeDirectory:
    """Everyone reachable but `refusing`; audiences expand as `audiences` says."""

    def __init__(self) -> None:
        self.refusing: set[str] = set()
        self.audiences: dict[str, list[str]] = {CLASS_PARENTS: ["parent-1", "parent-2"]}
        self.asked: list[list[str]] = []

    async def reachable(self, sender_id: str, recipients: list[Recipient]) -> Verdict:
        self.asked.append([r.entry() for r in recipients])
        expansions = {r.entry(): self.audiences[r.entry()] for r in recipients if r.group_id}
        people = [r.user_id for r in recipients if r.user_id] + [
            u for members in expansions.values() for u in members
        ]
        return Verdict(
            allowed=[u for u in dict.fromkeys(people) if u and u not in self.refusing],
            refused=[
                RefusedRecipient(user_id=u, reason="not_allowed")
                for u in dict.fromkeys(people)
                if u in self.refusing
            ],
            expansions=expansions,
        )


LIMITS = Limits(messages_per_hour=20, recipients_per_day=50)
ELEVATED = Limits(messages_per_hour=100, recipients_per_day=500)


@dataclass
class Mail:
    storage: Storage
    directory: FakeDirectory
    sending: SendService
    drafts: DraftCommands
    mailbox: MailboxCommands
    address_book: AddressBookService
    purges: Purges

    async def copy(self, message_id: str, user: Identity, home: str = "inbox") -> dict[str, Any]:
        doc = await self.storage.documents.get(COPIES, copy_id(message_id, user.user_id, home))
        assert doc is not None
        return doc

    async def count(self, user: Identity, folder: str) -> tuple[int, int]:
        doc = await self.storage.documents.get(FOLDER_COUNTS, count_id(user.user_id, folder))
        return (doc["total"], doc["unread"]) if doc else (0, 0)

    async def send(self, sender: Identity = TEACHER, **form: Any) -> str:
        fields: dict[str, Any] = {
            "to": ["parent-1"],
            "subject": "Sortie au musée",
            "body": "<p>Bonjour, la sortie a lieu <b>jeudi</b>.</p>",
            "reply_mode": "sender_only",
            **form,
        }
        return (await self.sending.send(sender, MessageForm(**fields))).message_id


@pytest.fixture
async def mail(storage: Storage) -> AsyncIterator[Mail]:
    signal = AppendSignal()
    projector = LocalProjector(storage, MailboxProjection(), signal)
    senders = LocalProjector(storage, SenderProjection(), signal)
    running = [asyncio.create_task(p.run()) for p in (projector, senders)]
    directory = FakeDirectory()
    conversations = Repository(storage.events, Conversation, signal)
    limits = SendLimits(
        storage.documents,
        Repository(storage.events, SendLog, signal),
        lambda elevated: ELEVATED if elevated else LIMITS,
        senders,
    )
    sending = SendService(
        conversations,
        directory,
        storage.documents,
        projector,
        limits=limits,
        reduced_rights=lambda profile: profile == "student",
    )
    mailboxes = Repository(storage.events, Mailbox, signal)
    draft_repository = Repository(storage.events, Draft, signal)
    drafts = DraftCommands(draft_repository, conversations, sending, storage.documents, projector)
    yield Mail(
        storage,
        directory,
        sending,
        drafts,
        MailboxCommands(mailboxes, storage.documents, projector),
        AddressBookService(
            storage.documents, Repository(storage.events, AddressBook, signal), drafts, senders
        ),
        Purges(storage.documents, mailboxes, draft_repository, projector),
    )
    for each in (projector, senders):
        await each.stop()
    await asyncio.gather(*running)
