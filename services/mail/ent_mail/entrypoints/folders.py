"""Messagerie HTTP API, the folders: the list with counts, a folder's messages, and my own
folders (create, rename, reorder or nest one level, delete, everything to the trash)."""

from __future__ import annotations

from ent_contracts.mail import MessageKind
from ent_kit.controllers import AnyRequest, PageSize
from litestar import Controller, delete, get, patch, post

from ent_mail.application.forms import (
    FolderForm,
    FolderPlace,
    FolderReceipt,
    FolderRename,
    SelectionResult,
)
from ent_mail.application.mailbox_commands import MailboxCommands
from ent_mail.application.queries import MailQueries
from ent_mail.application.views import CopyPage, FolderList


class FoldersController(Controller):
    path = "/mail/folders"
    tags = ["mail"]

    @get(summary="My folders: the system ones, then mine, with totals and unread")
    async def folders(self, request: AnyRequest, mail_queries: MailQueries) -> FolderList:
        return await mail_queries.folders(request.user)

    @get(
        "/{folder_id:str}/messages",
        summary="A folder's messages, newest first",
        description=(
            "`folder_id`: inbox, sent, trash, archive or one of my folders. Drafts are "
            "listed by `GET /mail/drafts`."
        ),
    )
    async def folder_messages(
        self,
        request: AnyRequest,
        mail_queries: MailQueries,
        folder_id: str,
        cursor: str | None = None,
        limit: PageSize = 50,
        unread_only: bool = False,
        kind: MessageKind | None = None,
        category: str | None = None,
    ) -> CopyPage:
        return await mail_queries.folder_page(
            request.user,
            folder_id,
            cursor,
            limit,
            unread_only=unread_only,
            kind=kind,
            category=category,
        )

    @post("/{folder_id:str}/trash-all", status_code=200, summary="A whole folder to the trash")
    async def trash_all(
        self, request: AnyRequest, folder_id: str, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.trash_folder(request.user, folder_id)

    @post(status_code=201, summary="Create a folder (one sub-level at most)")
    async def create_folder(
        self, request: AnyRequest, data: FolderForm, mailbox: MailboxCommands
    ) -> FolderReceipt:
        return await mailbox.create_folder(request.user, data)

    @patch("/{folder_id:str}", summary="Rename a folder")
    async def rename_folder(
        self, request: AnyRequest, folder_id: str, data: FolderRename, mailbox: MailboxCommands
    ) -> None:
        await mailbox.rename_folder(request.user, folder_id, data.name)

    @post("/{folder_id:str}/place", status_code=200, summary="Reorder or nest a folder")
    async def place_folder(
        self, request: AnyRequest, folder_id: str, data: FolderPlace, mailbox: MailboxCommands
    ) -> None:
        await mailbox.place_folder(request.user, folder_id, data)

    @delete("/{folder_id:str}", summary="Delete a folder: its messages go to the trash")
    async def delete_folder(
        self, request: AnyRequest, folder_id: str, mailbox: MailboxCommands
    ) -> None:
        await mailbox.delete_folder(request.user, folder_id)
