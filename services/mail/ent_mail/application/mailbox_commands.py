"""What a user does to their own copies and folders: read/unread (also on opening), move
("Ranger dans…"), trash, restore, definitive delete, categories, folders.

The read model says which of the selected messages the caller has (and where): the
others are answered `not_found`, and the mailbox aggregate decides the rest in one append.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.errors import NotFound
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import Document, DocumentReader, Query, find_all

from ent_mail import texts
from ent_mail.application.forms import (
    CategoryForm,
    FolderForm,
    FolderPlace,
    FolderReceipt,
    MoveForm,
    SelectionResult,
)
from ent_mail.application.mailbox_projection import COPIES, copy_id
from ent_mail.domain.mailbox import INBOX, MAX_SELECTION, SENT, TRASH, Mailbox, mailbox_id

Decide = Callable[[Mailbox, list[str], str | None], object]  # the ids found, in their folder


class MailboxCommands:
    def __init__(
        self, mailboxes: Repository[Mailbox], reader: DocumentReader, projector: LocalProjector
    ) -> None:
        self._mailboxes = mailboxes
        self._reader = reader
        self._projector = projector

    async def mark(
        self, me: Identity, ids: list[str], *, read: bool, folder: str | None = None
    ) -> SelectionResult:
        return await self._on(
            me, ids, lambda m, found, at: m.mark_read(found, read=read, in_folder=at), within=folder
        )

    async def open(self, me: Identity, message_id: str) -> None:
        """Opening a message marks it read (nothing is written when it already is)."""
        copies = await self._copies(me, [message_id])
        if not copies:
            raise NotFound("message_id", "message_not_found", texts.MESSAGE_NOT_FOUND)
        if any(not c["read"] for c in copies):
            await self._on(me, [message_id], lambda m, found, _: m.mark_read(found, read=True))

    async def move(self, me: Identity, form: MoveForm) -> SelectionResult:
        return await self._on(
            me,
            form.message_ids,
            lambda m, found, at: m.move(found, form.folder_id, in_folder=at),
            within=form.folder,
        )

    async def trash(
        self, me: Identity, ids: list[str], folder: str | None = None
    ) -> SelectionResult:
        now = datetime.now(UTC)
        return await self._on(
            me,
            ids,
            lambda m, found, at: m.trash(found, now, in_folder=at),
            within=folder,
            outside=TRASH,
        )

    async def restore(self, me: Identity, ids: list[str]) -> SelectionResult:
        return await self._on(me, ids, lambda m, found, _: m.restore(found), within=TRASH)

    async def delete(self, me: Identity, ids: list[str]) -> SelectionResult:
        """Definitive delete, from the trash only: the others are `not_found` there."""
        return await self._on(me, ids, lambda m, found, _: m.purge(found, "deleted"), within=TRASH)

    async def categorize(self, me: Identity, form: CategoryForm) -> SelectionResult:
        return await self._on(
            me,
            form.message_ids,
            lambda m, found, at: m.categorize(found, form.category, in_folder=at),
            within=form.folder,
        )

    async def trash_folder(self, me: Identity, folder: str) -> SelectionResult:
        """Everything in one folder to the trash, a bounded selection at a time."""
        done: list[str] = []
        ids = [c["message_id"] for c in await self._in_folders(me, [folder])]
        for start in range(0, len(ids), MAX_SELECTION):
            done += (await self.trash(me, ids[start : start + MAX_SELECTION], folder)).done
        return SelectionResult(done=done, not_found=[])

    async def create_folder(self, me: Identity, form: FolderForm) -> FolderReceipt:
        folder_id = new_event_id()
        await self._update(
            me, lambda m: m.create_folder(folder_id, form.name, form.parent_id), create=True
        )
        return FolderReceipt(folder_id=folder_id)

    async def rename_folder(self, me: Identity, folder_id: str, name: str) -> None:
        await self._update(me, lambda m: m.rename_folder(folder_id, name))

    async def place_folder(self, me: Identity, folder_id: str, place: FolderPlace) -> None:
        await self._update(me, lambda m: m.move_folder(folder_id, place.parent_id, place.position))

    async def delete_folder(self, me: Identity, folder_id: str) -> None:
        """The folder, its sub-folders, and their messages to the trash, in one append."""
        mailbox = await self._mailboxes.get(mailbox_id(me.user_id)) or Mailbox(
            mailbox_id(me.user_id)
        )
        mailbox.folder(folder_id)
        folders = [
            folder_id,
            *(f.folder_id for f in mailbox.folders.values() if f.parent_id == folder_id),
        ]
        messages = list(dict.fromkeys(c["message_id"] for c in await self._in_folders(me, folders)))
        at = datetime.now(UTC)
        await self._update(me, lambda m: m.delete_folder(folder_id, messages, at))

    async def _on(
        self,
        me: Identity,
        ids: list[str],
        decide: Decide,
        *,
        within: str | None = None,
        outside: str | None = None,
    ) -> SelectionResult:
        copies = await self._copies(me, ids)
        found = {
            c["message_id"]
            for c in copies
            if (within is None or c["folder"] == within)
            and (outside is None or c["folder"] != outside)
        }
        done = [i for i in dict.fromkeys(ids) if i in found]
        not_found = [i for i in dict.fromkeys(ids) if i not in found]
        if done:
            await self._update(me, lambda m: decide(m, done, within), create=True)
        return SelectionResult(done=done, not_found=not_found)

    async def _copies(self, me: Identity, ids: list[str]) -> list[Document]:
        keys = [copy_id(i, me.user_id, home) for i in dict.fromkeys(ids) for home in (INBOX, SENT)]
        return list((await self._reader.get_many(COPIES, keys)).values())

    async def _in_folders(self, me: Identity, folders: list[str]) -> list[Document]:
        found: list[Document] = []
        for folder in folders:
            query = Query(where={"user_id": me.user_id, "folder": folder}, limit=1000)
            found += [doc async for doc in find_all(self._reader, COPIES, query)]
        return found

    async def _update(
        self, me: Identity, decide: Callable[[Mailbox], object], *, create: bool = True
    ) -> None:
        saved = await self._mailboxes.update(
            mailbox_id(me.user_id), decide, me.actor, create=create
        )
        await self._projector.caught_up(saved.position)
