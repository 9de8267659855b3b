"""Messagerie HTTP API, the commands: send, drafts, replies and forwards, selections,
folders. Each handler makes one call; refusals become problem+json in the kit."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest
from litestar import Controller, delete, patch, post, put

from ent_mail.application.drafts import DraftCommands
from ent_mail.application.forms import (
    CategoryForm,
    DraftForm,
    DraftSavedReceipt,
    FolderForm,
    FolderPlace,
    FolderReceipt,
    FolderRename,
    MessageForm,
    MoveForm,
    Selection,
    SelectionResult,
    SentReceipt,
)
from ent_mail.application.mailbox_commands import MailboxCommands
from ent_mail.application.sending import SendService


class MailSendingController(Controller):
    path = "/mail"
    tags = ["mail"]

    @post(
        "/messages",
        status_code=201,
        summary="Send a message",
        description=(
            "`to`, `cc`, `bcc`: user ids or audiences (`group:<id>:<role>`), at most 200 people "
            "once audiences are expanded; `reply_mode` (`sender_only`: « Me répondre "
            "uniquement », `all`: « Répondre à tous »), `subject`, `body` (HTML, sanitized). "
            "The directory decides: any refused recipient refuses the whole send (422)."
        ),
    )
    async def send(
        self, request: AnyRequest, data: MessageForm, sending: SendService
    ) -> SentReceipt:
        return await sending.send(request.user, data)

    @post("/drafts", status_code=201, summary="Start a draft")
    async def create_draft(
        self, request: AnyRequest, data: MessageForm, drafts: DraftCommands
    ) -> DraftSavedReceipt:
        return await drafts.create(request.user, data)

    @put(
        "/drafts/{draft_id:str}",
        summary="Autosave a draft, whole",
        description="`version`: the one last read; a newer one saved meanwhile answers 409.",
    )
    async def save_draft(
        self, request: AnyRequest, draft_id: str, data: DraftForm, drafts: DraftCommands
    ) -> DraftSavedReceipt:
        return await drafts.save(request.user, draft_id, data)

    @delete("/drafts/{draft_id:str}", summary="Discard a draft")
    async def discard_draft(
        self, request: AnyRequest, draft_id: str, drafts: DraftCommands
    ) -> None:
        await drafts.discard(request.user, draft_id)

    @post("/drafts/{draft_id:str}/send", status_code=201, summary="Send a draft")
    async def send_draft(
        self, request: AnyRequest, draft_id: str, drafts: DraftCommands
    ) -> SentReceipt:
        return await drafts.send(request.user, draft_id)

    @post("/messages/{message_id:str}/reply", status_code=201, summary="Reply: a draft to edit")
    async def reply(
        self, request: AnyRequest, message_id: str, drafts: DraftCommands
    ) -> DraftSavedReceipt:
        return await drafts.reply(request.user, message_id, to_all=False)

    @post("/messages/{message_id:str}/reply-all", status_code=201, summary="Reply all: a draft")
    async def reply_all(
        self, request: AnyRequest, message_id: str, drafts: DraftCommands
    ) -> DraftSavedReceipt:
        return await drafts.reply(request.user, message_id, to_all=True)

    @post("/messages/{message_id:str}/forward", status_code=201, summary="Forward: a draft")
    async def forward(
        self, request: AnyRequest, message_id: str, drafts: DraftCommands
    ) -> DraftSavedReceipt:
        return await drafts.forward(request.user, message_id)


class MailboxController(Controller):
    path = "/mail"
    tags = ["mail"]

    @post("/selection/read", status_code=200, summary="Mark read")
    async def read(
        self, request: AnyRequest, data: Selection, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.mark(request.user, data.message_ids, read=True)

    @post("/selection/unread", status_code=200, summary="Mark unread")
    async def unread(
        self, request: AnyRequest, data: Selection, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.mark(request.user, data.message_ids, read=False)

    @post("/selection/move", status_code=200, summary="Ranger dans… (Reçus, Archives, a folder)")
    async def move(
        self, request: AnyRequest, data: MoveForm, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.move(request.user, data)

    @post("/selection/trash", status_code=200, summary="To the trash")
    async def trash(
        self, request: AnyRequest, data: Selection, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.trash(request.user, data.message_ids)

    @post("/selection/restore", status_code=200, summary="Restore from the trash")
    async def restore(
        self, request: AnyRequest, data: Selection, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.restore(request.user, data.message_ids)

    @post("/selection/delete", status_code=200, summary="Delete for good (from the trash)")
    async def delete_for_good(
        self, request: AnyRequest, data: Selection, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.delete(request.user, data.message_ids)

    @post("/selection/categorize", status_code=200, summary="Set (or clear) a category")
    async def categorize(
        self, request: AnyRequest, data: CategoryForm, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.categorize(request.user, data)

    @post(
        "/folders/{folder_id:str}/trash-all", status_code=200, summary="A whole folder to the trash"
    )
    async def trash_all(
        self, request: AnyRequest, folder_id: str, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.trash_folder(request.user, folder_id)

    @post("/folders", status_code=201, summary="Create a folder (one sub-level at most)")
    async def create_folder(
        self, request: AnyRequest, data: FolderForm, mailbox: MailboxCommands
    ) -> FolderReceipt:
        return await mailbox.create_folder(request.user, data)

    @patch("/folders/{folder_id:str}", summary="Rename a folder")
    async def rename_folder(
        self, request: AnyRequest, folder_id: str, data: FolderRename, mailbox: MailboxCommands
    ) -> None:
        await mailbox.rename_folder(request.user, folder_id, data.name)

    @post("/folders/{folder_id:str}/place", status_code=200, summary="Reorder or nest a folder")
    async def place_folder(
        self, request: AnyRequest, folder_id: str, data: FolderPlace, mailbox: MailboxCommands
    ) -> None:
        await mailbox.place_folder(request.user, folder_id, data)

    @delete("/folders/{folder_id:str}", summary="Delete a folder: its messages go to the trash")
    async def delete_folder(
        self, request: AnyRequest, folder_id: str, mailbox: MailboxCommands
    ) -> None:
        await mailbox.delete_folder(request.user, folder_id)
