"""« Partager »: the share link sent through the Messagerie to ENT users, as the sender,
and by e-mail to addresses outside the ENT, from its no-reply address on their behalf.

When both are asked, the addresses are checked with mail first: a refusal of either comes
before anything is sent, so a share is not left half done by a bad address."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

import msgspec
from ent_contracts.mail_api import (
    MAX_EXTERNAL_ADDRESSES,
    ExternalEmailReceipt,
    ExternalEmailRequest,
)
from ent_kit.auth import Identity
from ent_kit.errors import Conflict, DomainError, Refused, TooMany, Unprocessable
from ent_kit.peers import PeerRejected, PeerUnavailable

from ent_transfer import texts
from ent_transfer.application.ports import EmailQueue, MessageSender
from ent_transfer.application.transfers import Transfers
from ent_transfer.application.views import TransferView

NOTE_MAX = 5000
SENDER_MAX = 120  # of a sender's name in the e-mail's subject


class ShareRequest(msgspec.Struct, frozen=True, kw_only=True):
    """ENT recipients as the Messagerie takes them (user ids, `group:<id>:<role>`), and
    e-mail addresses outside the ENT; at least one of either."""

    to: Annotated[list[str], msgspec.Meta(max_length=200)] = []
    emails: Annotated[list[str], msgspec.Meta(max_length=MAX_EXTERNAL_ADDRESSES)] = []
    note: Annotated[str, msgspec.Meta(max_length=NOTE_MAX)] = ""


class Shared(msgspec.Struct, frozen=True, kw_only=True):
    """What the Messagerie answered for the message (None: none asked), and how many
    e-mails it queued (one per distinct address); `emails_problem` when the message went
    but the e-mails could not be queued after all (mail down or the allowance used up
    meanwhile): the share is not refused for it, the message being sent already."""

    message: dict[str, Any] | None = None
    emails_queued: int = 0
    emails_problem: dict[str, Any] | None = None


def _until(view: TransferView) -> str:
    return texts.SHARE_UNTIL.format(date=view.expires_at.strftime("%d/%m/%Y %H:%M UTC"))


def message_html(view: TransferView, url: str, note: str) -> str:
    lines = [note.strip()] if note.strip() else [texts.SHARE_INTRO]
    lines += [_until(view)]
    if view.password_protected:
        lines.append(texts.SHARE_PASSWORD)
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in lines)
    link = (
        f'<p>{escape(texts.SHARE_LINK.format(url=""))}<a href="{escape(url)}">{escape(url)}</a></p>'
    )
    return paragraphs + link


def email_text(view: TransferView, url: str, note: str, sender: str) -> str:
    """Plain text: the e-mail leaves the ENT, and its reader may have no account."""
    count = len(view.files)
    parts = [texts.EMAIL_INTRO.format(sender=sender, count=count)]
    if note.strip():
        parts.append(f"{texts.EMAIL_NOTE}\n{note.strip()}")
    link = [texts.SHARE_LINK.format(url=url), _until(view)]
    if view.password_protected:
        link.append(texts.EMAIL_PASSWORD.format(sender=sender))
    parts += ["\n".join(link), texts.EMAIL_FOOTER.format(sender=sender)]
    return "Bonjour,\n\n" + "\n\n".join(parts) + "\n"


class Sharing:
    def __init__(
        self, transfers: Transfers, mail: MessageSender | None, emails: EmailQueue | None
    ) -> None:
        self._transfers = transfers
        self._mail = mail
        self._emails = emails

    async def share(
        self, me: Identity, authorization: str, transfer_id: str, request: ShareRequest
    ) -> Shared:
        if not request.to and not request.emails:
            raise Refused("to", "no_recipients", texts.SHARE_NOBODY)
        view = await self._transfers.get(me, transfer_id)
        if view.share_url is None:
            raise Conflict("", "transfer_not_ready", texts.SHARE_NOT_READY)
        url = view.share_url
        if not request.emails:
            return Shared(message=await self._message(authorization, view, url, request))
        emailing = self._email(me, view, url, request)
        if not request.to:
            return Shared(emails_queued=(await self._queue(emailing)).queued)
        await self._queue(msgspec.structs.replace(emailing, check_only=True))
        message = await self._message(authorization, view, url, request)
        try:
            queued = (await self._queue(emailing)).queued
        except (DomainError, PeerUnavailable) as error:
            return Shared(message=message, emails_problem=_problem(error))
        return Shared(message=message, emails_queued=queued)

    async def _message(
        self, authorization: str, view: TransferView, url: str, request: ShareRequest
    ) -> dict[str, Any]:
        if self._mail is None:
            raise PeerUnavailable("mail: ENT_MAIL_URL is not set")
        subject = texts.SHARE_SUBJECT.format(count=len(view.files))
        answer = await self._mail.send(
            authorization, request.to, subject, message_html(view, url, request.note)
        )
        if answer.status == 201:
            return answer.body
        if answer.status in (400, 422, 429):
            details = {k: v for k, v in answer.body.items() if k == "refused"}
            raise Unprocessable(
                "to",
                str(answer.body.get("code", "recipients_refused")),
                texts.SHARE_REFUSED,
                **details,
            )
        raise PeerUnavailable(f"mail answered HTTP {answer.status}")

    def _email(
        self, me: Identity, view: TransferView, url: str, request: ShareRequest
    ) -> ExternalEmailRequest:
        # Mail takes a subject of 200 characters at most: a long name is cut to fit.
        sender = " ".join(me.display_name.split())[:SENDER_MAX] or texts.EMAIL_SOMEONE
        return ExternalEmailRequest(
            to=request.emails,
            subject=texts.EMAIL_SUBJECT.format(sender=sender, count=len(view.files)),
            text=email_text(view, url, request.note, sender),
            on_behalf_of=me.user_id,
        )

    async def _queue(self, request: ExternalEmailRequest) -> ExternalEmailReceipt:
        if self._emails is None:
            raise PeerUnavailable("mail: ENT_MAIL_URL is not set")
        try:
            return await self._emails.queue(request)
        except PeerRejected as rejected:
            raise _refusal(rejected) from rejected


def _problem(error: Exception) -> dict[str, Any]:
    if isinstance(error, DomainError):
        return {"code": error.reason, "field": error.field, "detail": error.message}
    return {"code": "mail_unavailable", "detail": texts.MAIL_UNAVAILABLE}


def _refusal(rejected: PeerRejected) -> Exception:
    """Mail's refusal in the share's terms: its `to[i]` is the share's `emails[i]`; a
    refusal of anything else is this service's fault, not the user's."""
    first = rejected.first_error()
    named = str(first.get("field", "to"))
    if named != "to" and not named.startswith("to["):
        return PeerUnavailable(f"mail refused the e-mail's {named}: {first.get('message')}")
    field = "emails" + named.removeprefix("to")
    code = str(first.get("reason") or rejected.problem.get("code") or "emails_refused")
    message = str(first.get("message") or texts.EMAILS_REFUSED)
    if rejected.status == 429:
        retry = int(rejected.problem.get("retry_after_s", 3600))
        return TooMany(field, code, message, retry_after_s=retry)
    if rejected.status in (400, 422):
        return Refused(field, code, message)
    return PeerUnavailable(f"mail answered HTTP {rejected.status}")
