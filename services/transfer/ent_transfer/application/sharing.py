"""« Partager dans un message »: the share link sent through the Messagerie, as the sender."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

import msgspec
from ent_kit.auth import Identity
from ent_kit.errors import Conflict, Unprocessable
from ent_kit.peers import PeerUnavailable

from ent_transfer import texts
from ent_transfer.application.ports import MessageSender
from ent_transfer.application.transfers import Transfers
from ent_transfer.application.views import TransferView


class ShareRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Recipients as the Messagerie takes them (user ids, `group:<id>:<role>`)."""

    to: Annotated[list[str], msgspec.Meta(min_length=1, max_length=200)]
    note: Annotated[str, msgspec.Meta(max_length=5000)] = ""


class Shared(msgspec.Struct, frozen=True, kw_only=True):
    """What the Messagerie answered for the send."""

    message: dict[str, Any]


def message_html(view: TransferView, url: str, note: str) -> str:
    lines = [note.strip()] if note.strip() else [texts.SHARE_INTRO]
    lines += [texts.SHARE_UNTIL.format(date=view.expires_at.strftime("%d/%m/%Y %H:%M UTC"))]
    if view.password_protected:
        lines.append(texts.SHARE_PASSWORD)
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in lines)
    link = (
        f'<p>{escape(texts.SHARE_LINK.format(url=""))}<a href="{escape(url)}">{escape(url)}</a></p>'
    )
    return paragraphs + link


class Sharing:
    def __init__(self, transfers: Transfers, mail: MessageSender | None) -> None:
        self._transfers = transfers
        self._mail = mail

    async def share(
        self, me: Identity, authorization: str, transfer_id: str, request: ShareRequest
    ) -> Shared:
        view = await self._transfers.get(me, transfer_id)
        if view.share_url is None:
            raise Conflict("", "transfer_not_ready", texts.SHARE_NOT_READY)
        if self._mail is None:
            raise PeerUnavailable("mail: ENT_MAIL_URL is not set")
        subject = texts.SHARE_SUBJECT.format(count=len(view.files))
        answer = await self._mail.send(
            authorization, request.to, subject, message_html(view, view.share_url, request.note)
        )
        if answer.status == 201:
            return Shared(message=answer.body)
        if answer.status in (400, 422, 429):
            details = {k: v for k, v in answer.body.items() if k == "refused"}
            raise Unprocessable(
                "to",
                str(answer.body.get("code", "recipients_refused")),
                texts.SHARE_REFUSED,
                **details,
            )
        raise PeerUnavailable(f"mail answered HTTP {answer.status}")
