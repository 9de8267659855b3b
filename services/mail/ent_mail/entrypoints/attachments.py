"""Messagerie HTTP API, attachments: upload one (or take it from Mes documents) before
naming it in a draft or a message, and download those of a message I hold."""

from __future__ import annotations

from typing import Annotated

import msgspec
from ent_contracts.mail import AttachmentRef
from ent_kit.controllers import AnyRequest
from ent_kit.downloads import file_stream
from ent_kit.errors import Refused
from ent_kit.uploads import MultipartReader, fields_then_file
from litestar import Controller, get, post
from litestar.response import Stream

from ent_mail import texts
from ent_mail.application.attachments import AttachmentService


class FromWorkspace(msgspec.Struct, frozen=True, kw_only=True):
    item_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class AttachmentsController(Controller):
    path = "/mail"
    tags = ["mail"]

    @post(
        "/attachments",
        status_code=201,
        summary="Upload an attachment, to name in a draft or a message",
        description=(
            "multipart/form-data with one `file` part and nothing else (10 MB at most). "
            "Streamed, never buffered whole, and scanned by the antivirus before the answer: "
            "503 when it cannot give a verdict."
        ),
        request_max_body_size=None,  # streamed: the upload enforces its own size limit
    )
    async def upload(self, request: AnyRequest, attachments: AttachmentService) -> AttachmentRef:
        form = MultipartReader(request.headers.get("content-type", ""), request.stream())
        fields, file = await fields_then_file(form)
        if fields:  # a typo'd field would otherwise be dropped without a word
            raise Refused(sorted(fields)[0], "unexpected", texts.UNEXPECTED_FIELD)
        return await attachments.upload(request.user, file)

    @post(
        "/attachments/from-workspace",
        status_code=201,
        summary="Attach a document of mine from Mes documents",
        description="Read from the locker with my own rights: another user's item is a 404.",
    )
    async def from_workspace(
        self, request: AnyRequest, data: FromWorkspace, attachments: AttachmentService
    ) -> AttachmentRef:
        authorization = request.headers.get("authorization", "")
        return await attachments.from_workspace(request.user, data.item_id, authorization)

    @get(
        "/messages/{message_id:str}/attachments/{attachment_id:str}",
        summary="Download an attachment of a message I hold (HTTP Range)",
        description="A quarantined attachment is a 404 `attachment_removed`.",
    )
    async def download(
        self,
        request: AnyRequest,
        message_id: str,
        attachment_id: str,
        attachments: AttachmentService,
    ) -> Stream:
        download = await attachments.download(request.user, message_id, attachment_id)
        return file_stream(download, request.headers.get("range"))
