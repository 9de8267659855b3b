"""Drafts (Brouillons): create, autosave whole with optimistic concurrency, discard, send;
and the drafts a reply, a reply all or a forward start from, every field editable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ent_contracts.mail import DraftSaved, MessageSent
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.errors import NotFound
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import DocumentReader

from ent_mail import texts
from ent_mail.application.forms import DraftForm, DraftSavedReceipt, MessageForm, SentReceipt
from ent_mail.application.projections import PEOPLE
from ent_mail.application.sending import SendService, conversation_stream
from ent_mail.domain import composition, quoting
from ent_mail.domain.conversation import Conversation
from ent_mail.domain.draft import Draft, draft_stream


class DraftCommands:
    def __init__(
        self,
        drafts: Repository[Draft],
        conversations: Repository[Conversation],
        sender: SendService,
        reader: DocumentReader,
        projector: LocalProjector,
    ) -> None:
        self._drafts = drafts
        self._conversations = conversations
        self._sender = sender
        self._reader = reader
        self._projector = projector

    async def create(self, me: Identity, form: MessageForm) -> DraftSavedReceipt:
        return await self._save(me, new_event_id(), form, expected=None, create=True)

    async def save(self, me: Identity, draft_id: str, form: DraftForm) -> DraftSavedReceipt:
        """Autosave: the whole draft. A `version` older than the stored one is 409."""
        return await self._save(me, draft_id, form, expected=form.version, create=False)

    async def discard(self, me: Identity, draft_id: str) -> None:
        saved = await self._drafts.update(
            draft_stream(draft_id), lambda d: d.end(me.user_id, "discarded"), me.actor
        )
        await self._projector.caught_up(saved.position)

    async def send(self, me: Identity, draft_id: str) -> SentReceipt:
        """Send the draft as it stands (every check of a send applies), then it is gone."""
        draft = await self._drafts.get(draft_stream(draft_id))
        if draft is None:
            raise NotFound("draft_id", "draft_not_found", texts.DRAFT_NOT_FOUND)
        content = draft.owned_by(me.user_id)
        receipt = await self._sender.send(me, _as_form(content), attachments=content.attachments)
        saved = await self._drafts.update(
            draft_stream(draft_id), lambda d: d.end(me.user_id, "sent"), me.actor
        )
        await self._projector.caught_up(saved.position)
        return receipt

    async def reply(self, me: Identity, message_id: str, *, to_all: bool) -> DraftSavedReceipt:
        conversation, message = await self._replied(me, message_id)
        targets = conversation.reply_targets(message_id, me.user_id, to_all=to_all)
        names = await self._names(conversation)
        form = MessageForm(
            to=targets.to,
            cc=targets.cc,
            subject=quoting.reply_subject(message.subject),
            body=quoting.quoted_thread(conversation.thread(message_id), names),
            reply_mode=message.reply_mode,
            in_reply_to=message_id,
        )
        return await self.create(me, form)

    async def forward(self, me: Identity, message_id: str) -> DraftSavedReceipt:
        """A new conversation: no recipient yet, the attachments carried over (by
        reference: the content is stored once)."""
        conversation, message = await self._replied(me, message_id, replying=False)
        names = await self._names(conversation)
        form = MessageForm(
            subject=quoting.forward_subject(message.subject),
            body=quoting.forwarded(message, names),
            reply_mode=message.reply_mode,
            forwarded_from=message_id,
        )
        return await self.create(me, form)

    async def _replied(
        self, me: Identity, message_id: str, *, replying: bool = True
    ) -> tuple[Conversation, MessageSent]:
        stored = await self._sender.my_message(me, message_id)
        conversation = await self._conversations.get(
            conversation_stream(str(stored["conversation_id"]))
        )
        if conversation is None:
            raise NotFound("message_id", "message_not_found", texts.MESSAGE_NOT_FOUND)
        if replying:
            return conversation, conversation.replied(message_id, me.user_id)
        return conversation, conversation.message_for(message_id, me.user_id)

    async def _names(self, conversation: Conversation) -> Callable[[str], str]:
        senders = list({m.sender_id for m in conversation.messages.values()})
        people = await self._reader.get_many(PEOPLE, senders)
        names = {u: str(doc["display_name"]) for u, doc in people.items()}
        return lambda user_id: names.get(user_id, texts.UNKNOWN_SENDER)

    async def _save(
        self, me: Identity, draft_id: str, form: MessageForm, *, expected: int | None, create: bool
    ) -> DraftSavedReceipt:
        body = composition.body(form.body, required=False)
        content = DraftSaved(
            draft_id=draft_id,
            owner_id=me.user_id,
            to=form.to,
            cc=form.cc,
            bcc=form.bcc,
            reply_mode=form.reply_mode or "sender_only",
            subject=" ".join(form.subject.split())[: composition.MAX_SUBJECT],
            body_html=body.html,
            body_text=body.text,
            attachments=composition.attachments(await self._sender.attachments_of(me, form)),
            in_reply_to=form.in_reply_to,
            forwarded_from=form.forwarded_from,
            saved_at=datetime.now(UTC),
        )
        saved = await self._drafts.update(
            draft_stream(draft_id), lambda d: d.save(content, expected), me.actor, create=create
        )
        await self._projector.caught_up(saved.position)
        return DraftSavedReceipt(draft_id=draft_id, version=saved.result)


def _as_form(content: DraftSaved) -> MessageForm:
    return MessageForm(
        to=content.to,
        cc=content.cc,
        bcc=content.bcc,
        subject=content.subject,
        body=content.body_html,
        reply_mode=content.reply_mode,
        in_reply_to=content.in_reply_to,
        forwarded_from=content.forwarded_from,
    )
