"""Sending a message: the content checked, the recipients decided by the directory (one
call per send, for everyone the conversation does not already reach), the message
appended to its conversation once however many recipients, the mailboxes updated before
the answer (read-your-writes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from ent_contracts.directory_api import MAX_RECIPIENTS, Recipient, RefusedRecipient, Verdict
from ent_contracts.mail import AttachmentRef, MessageKind, MessageSent, ReplyMode
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.errors import Forbidden, NotFound, Refused, Unprocessable
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader

from ent_mail import texts
from ent_mail.application.attachments_projection import ATTACHMENTS
from ent_mail.application.forms import MessageForm, SentReceipt, SystemMessageForm
from ent_mail.application.mailbox_projection import COPIES, MESSAGES, copy_id
from ent_mail.application.ports import RecipientPolicy
from ent_mail.application.projections import PEOPLE
from ent_mail.application.send_limits import SendLimits
from ent_mail.domain import composition
from ent_mail.domain.composition import Addressing
from ent_mail.domain.conversation import Conversation
from ent_mail.domain.mailbox import INBOX, SENT

SYSTEM_SENDER = "ent"  # who ENT messages come from: the platform, not a person


def conversation_stream(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


@dataclass(frozen=True)
class Resolved:
    """Recipients as user ids, per field, once each (to before cc before bcc)."""

    to: list[str]
    cc: list[str]
    bcc: list[str]

    def count(self) -> int:
        return len({*self.to, *self.cc, *self.bcc})


class SendService:
    def __init__(
        self,
        conversations: Repository[Conversation],
        policy: RecipientPolicy,
        reader: DocumentReader,
        projector: LocalProjector,
        *,
        limits: SendLimits | None = None,
        reduced_rights: Callable[[str], bool] = lambda _profile: False,
    ) -> None:
        self._conversations = conversations
        self._policy = policy
        self._reader = reader
        self._projector = projector  # the mailboxes, waited for before answering
        self._reduced_rights = reduced_rights  # "Droits réduits", per profile (a setting)
        self._limits = limits

    async def send(
        self, me: Identity, form: MessageForm, *, attachments: list[AttachmentRef] | None = None
    ) -> SentReceipt:
        """Send `form`; `attachments` when already resolved (a draft keeps its own)."""
        mode = composition.reply_mode(form.reply_mode)
        addressing = composition.addressing(form.to, form.cc, form.bcc)
        subject = composition.subject(form.subject)
        body = composition.body(form.body)
        if attachments is None:
            attachments = await self.attachments_of(me, form)
        attachments = composition.attachments(attachments)
        conversation_id, reachable = await self._conversation(me, form.in_reply_to)
        resolved = await self._resolve(me, addressing, reachable)
        now = datetime.now(UTC)
        if self._limits is not None:
            await self._limits.check(me, [*resolved.to, *resolved.cc, *resolved.bcc], now)
        message = MessageSent(
            conversation_id=conversation_id,
            message_id=new_event_id(),
            sender_id=me.user_id,
            to=resolved.to,
            cc=resolved.cc,
            bcc=resolved.bcc,
            audiences=addressing.audiences(),
            named_users=[r.user_id for r in addressing.all() if r.user_id is not None],
            reply_mode=mode,
            kind=await self._kind(me, mode),
            subject=subject,
            body_html=body.html,
            body_text=body.text,
            attachments=attachments,
            in_reply_to=form.in_reply_to,
            forwarded_from=form.forwarded_from,
            sent_at=now,
        )
        saved = await self._conversations.update(
            conversation_stream(conversation_id),
            lambda conversation: conversation.send(message),
            me.actor,
            create=form.in_reply_to is None,
        )
        await self._projector.caught_up(saved.position)
        if self._limits is not None:
            await self._limits.caught_up(saved.position)
        return SentReceipt(
            message_id=message.message_id,
            conversation_id=conversation_id,
            recipients=resolved.count(),
        )

    async def send_system(self, caller: Identity, form: SystemMessageForm) -> SentReceipt:
        """An ENT message (seed 002 §I-2: "messages système", read only, no reply): sent by
        another service of the platform on the ENT's behalf, to the users it names, without
        the directory (the ENT writes to its users) nor the send limits."""
        if not caller.is_service:
            raise Forbidden("", "reserved_to_services", texts.RESERVED_TO_SERVICES)
        addressing = composition.addressing(form.to, [], [])
        if any(r.user_id is None for r in addressing.all()):
            raise Refused("to", "users_only", texts.SYSTEM_USERS_ONLY)
        body = composition.body(form.body)
        message = MessageSent(
            conversation_id=new_event_id(),
            message_id=new_event_id(),
            sender_id=SYSTEM_SENDER,
            to=[r.user_id for r in addressing.to if r.user_id is not None],
            reply_mode="sender_only",
            kind="system",
            subject=composition.subject(form.subject),
            body_html=body.html,
            body_text=body.text,
            sent_at=datetime.now(UTC),
        )
        saved = await self._conversations.update(
            conversation_stream(message.conversation_id),
            lambda conversation: conversation.send(message),
            caller.actor,
            create=True,
        )
        await self._projector.caught_up(saved.position)
        return SentReceipt(
            message_id=message.message_id,
            conversation_id=message.conversation_id,
            recipients=len(message.to),
        )

    async def my_message(self, me: Identity, message_id: str) -> dict[str, object]:
        """A message the caller sent or received (and still has), with its content."""
        ids = [copy_id(message_id, me.user_id, home) for home in (INBOX, SENT)]
        if not await self._reader.existing(COPIES, ids):
            raise NotFound("message_id", "message_not_found", texts.MESSAGE_NOT_FOUND)
        message = await self._reader.get(MESSAGES, message_id)
        if message is None:
            raise NotFound("message_id", "message_not_found", texts.MESSAGE_NOT_FOUND)
        return message

    async def attachments_of(self, me: Identity, form: MessageForm) -> list[AttachmentRef]:
        """The caller's uploads named by the form, then those of the message forwarded."""
        refs: list[AttachmentRef] = []
        if form.attachment_ids:
            found = await self._reader.get_many(ATTACHMENTS, form.attachment_ids)
            for attachment_id in form.attachment_ids:
                doc = found.get(attachment_id)
                if doc is None or doc["owner_id"] != me.user_id:
                    raise Refused(
                        "attachment_ids", "attachment_not_found", texts.ATTACHMENT_NOT_FOUND
                    )
                refs.append(msgspec.convert(doc["ref"], AttachmentRef))
        if form.forwarded_from:
            forwarded = await self.my_message(me, form.forwarded_from)
            refs += msgspec.convert(forwarded["attachments"], list[AttachmentRef])
        return refs

    async def _conversation(self, me: Identity, in_reply_to: str | None) -> tuple[str, set[str]]:
        """The conversation the message goes into, and whom it reaches without the
        directory (a reply's participants, as the reply mode says)."""
        if in_reply_to is None:
            return new_event_id(), set()
        replied = await self.my_message(me, in_reply_to)
        conversation_id = str(replied["conversation_id"])
        conversation = await self._conversations.get(conversation_stream(conversation_id))
        if conversation is None:
            raise NotFound("in_reply_to", "message_not_found", texts.MESSAGE_NOT_FOUND)
        return conversation_id, conversation.reachable_by_reply(in_reply_to, me.user_id)

    async def _resolve(self, me: Identity, addressing: Addressing, reachable: set[str]) -> Resolved:
        to_check = [r for r in addressing.all() if r.user_id not in reachable]
        verdict = (
            await self._policy.reachable(me.user_id, to_check)
            if to_check
            else Verdict(allowed=[], refused=[])
        )
        listed = {r.user_id for r in addressing.all() if r.user_id is not None}
        refused = [r for r in verdict.refused if _counts(r, listed)]
        if refused:
            raise Unprocessable(
                "to",
                "recipients_refused",
                texts.RECIPIENTS_REFUSED,
                refused=msgspec.to_builtins(refused),
            )
        allowed = set(verdict.allowed) | reachable
        fields = [
            _expanded(f, verdict, allowed) for f in (addressing.to, addressing.cc, addressing.bcc)
        ]
        to = fields[0]
        cc = [u for u in fields[1] if u not in set(to)]
        bcc = [u for u in fields[2] if u not in {*to, *cc}]
        resolved = Resolved(to, cc, bcc)
        if self._reduced_rights(me.profile):
            _check_reduced_rights(addressing, verdict, resolved)
        if resolved.count() > MAX_RECIPIENTS:
            raise Unprocessable(
                "to",
                "too_many_recipients",
                texts.TOO_MANY_AFTER_EXPANSION.format(max=MAX_RECIPIENTS, count=resolved.count()),
                max=MAX_RECIPIENTS,
                count=resolved.count(),
            )
        if not resolved.count():
            raise Unprocessable("to", "no_recipients", texts.RECIPIENTS_REQUIRED)
        return resolved

    async def _kind(self, me: Identity, mode: ReplyMode) -> MessageKind:
        """Institutional when direction writes; otherwise as the reply mode says."""
        person = await self._reader.get(PEOPLE, me.user_id)
        if person is not None and person.get("function") == "direction":
            return "institutional"
        return "discussion" if mode == "all" else "information"


def _check_reduced_rights(addressing: Addressing, verdict: Verdict, resolved: Resolved) -> None:
    """ "Droits réduits": one group's members only — a single audience, and any user named
    beside it one of its members; or a single person."""
    audiences = addressing.audiences()
    everyone = {*resolved.to, *resolved.cc, *resolved.bcc}
    if not audiences:
        mixed = len(everyone) > 1
    else:
        members = set(verdict.expansions.get(audiences[0], []))
        mixed = len(audiences) > 1 or not everyone <= members
    if mixed:
        raise Unprocessable("to", "one_group_only", texts.ONE_GROUP_ONLY)


def _counts(refusal: RefusedRecipient, listed: set[str]) -> bool:
    """A refusal that stops the send: an audience refused, a person the sender named, or
    anyone the rules forbid. A member of an audience who has left is simply not written to."""
    return (
        refusal.group_id is not None
        or (refusal.user_id is not None and refusal.user_id in listed)
        or refusal.reason != "recipient_inactive"
    )


def _expanded(field: list[Recipient], verdict: Verdict, allowed: set[str]) -> list[str]:
    ids: list[str] = []
    for recipient in field:
        if recipient.user_id is not None:
            ids.append(recipient.user_id)
        else:
            ids += verdict.expansions.get(recipient.entry(), [])
    return [u for u in dict.fromkeys(ids) if u in allowed]
