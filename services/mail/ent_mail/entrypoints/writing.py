"""Messagerie HTTP API, the commands: send, drafts, replies and forwards, selections,
folders. Each handler makes one call; refusals become problem+json in the kit."""

from __future__ import annotations

from ent_contracts.mail_api import EXTERNAL_EMAILS_PATH, ExternalEmailReceipt, ExternalEmailRequest
from ent_kit.controllers import AnyRequest
from ent_kit.scopes import MAIL_EXTERNAL_EMAIL, MAIL_SYSTEM_MESSAGE, service_route
from litestar import Controller, post

from ent_mail.application.drafts import DraftCommands
from ent_mail.application.external_emails import ExternalEmails
from ent_mail.application.forms import (
    CategoryForm,
    DraftSavedReceipt,
    MessageForm,
    MoveForm,
    Selection,
    SelectionResult,
    SentReceipt,
    SystemMessageForm,
)
from ent_mail.application.mailbox_commands import MailboxCommands
from ent_mail.application.sending import SendService
from ent_mail.domain.composition import MAX_BODY

# A message's form carries up to MAX_BODY characters of HTML, more before sanitizing and as
# JSON: above the kit's default body limit, still bounded.
MAX_MESSAGE_FORM_BYTES = 8 * MAX_BODY


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
        request_max_body_size=MAX_MESSAGE_FORM_BYTES,
    )
    async def send(
        self, request: AnyRequest, data: MessageForm, sending: SendService
    ) -> SentReceipt:
        return await sending.send(request.user, data)

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
        return await mailbox.mark(request.user, data.message_ids, read=True, folder=data.folder)

    @post("/selection/unread", status_code=200, summary="Mark unread")
    async def unread(
        self, request: AnyRequest, data: Selection, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.mark(request.user, data.message_ids, read=False, folder=data.folder)

    @post("/selection/move", status_code=200, summary="Ranger dans… (Reçus, Archives, a folder)")
    async def move(
        self, request: AnyRequest, data: MoveForm, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.move(request.user, data)

    @post("/selection/trash", status_code=200, summary="To the trash")
    async def trash(
        self, request: AnyRequest, data: Selection, mailbox: MailboxCommands
    ) -> SelectionResult:
        return await mailbox.trash(request.user, data.message_ids, data.folder)

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


class MailInternalController(Controller):
    """What the platform's other services call, with their service token: kept out of the
    public API document, like the directory's internal routes."""

    path = "/mail/internal"
    tags = ["mail"]
    include_in_schema = False
    opt = service_route(MAIL_SYSTEM_MESSAGE)

    @post(
        "/system-messages",
        status_code=201,
        summary="Send an ENT message (services only)",
        description=(
            "For the platform's services, with their service token: `to` (user ids), "
            "`subject`, `body`. Shown as « Messages ENT »: read only, no reply."
        ),
    )
    async def send_system(
        self, request: AnyRequest, data: SystemMessageForm, sending: SendService
    ) -> SentReceipt:
        return await sending.send_system(request.user, data)

    @post(
        EXTERNAL_EMAILS_PATH.removeprefix("/mail/internal"),
        status_code=202,
        opt=service_route(MAIL_EXTERNAL_EMAIL),
        summary="Queue e-mails outside the ENT (services only)",
        description=(
            "For the platform's services, with their service token: one plain-text e-mail to "
            "each address of `to`, on behalf of the user `on_behalf_of` (whose daily allowance "
            "it counts against), sent from the ENT's no-reply address and retried."
        ),
    )
    async def queue_external(
        self, request: AnyRequest, data: ExternalEmailRequest, external_emails: ExternalEmails
    ) -> ExternalEmailReceipt:
        return await external_emails.queue(request.user, data)
