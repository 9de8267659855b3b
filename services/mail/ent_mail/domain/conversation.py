"""A conversation: the messages of one exchange and who took part. Pure rules, no I/O.

Who may be written to without asking the directory: replying inside a conversation goes
to its participants as the reply mode says, even where the lists would not let the
replier start a conversation with them (a parent answers the teacher who wrote to them:
seed 002 §I-3). Anyone else goes through the directory like any send.
"""

from __future__ import annotations

from dataclasses import dataclass

from ent_contracts import DomainEvent
from ent_contracts.mail import MessageSent
from ent_kit.aggregate import Aggregate
from ent_kit.errors import NotFound, Refused

from ent_mail import texts


def recipients_of(message: MessageSent) -> list[str]:
    return list(dict.fromkeys([*message.to, *message.cc, *message.bcc]))


def participants_of(message: MessageSent) -> set[str]:
    return {message.sender_id, *recipients_of(message)}


@dataclass(frozen=True)
class ReplyTargets:
    """Who a reply goes to by default, before the replier edits the fields."""

    to: list[str]
    cc: list[str]


class Conversation(Aggregate):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(conversation_id)
        self.messages: dict[str, MessageSent] = {}

    def when(self, event: DomainEvent) -> None:
        match event:
            case MessageSent():
                self.messages[event.message_id] = event

    def send(self, message: MessageSent) -> None:
        """Add a message; a reply must answer a message of this conversation that its
        sender took part in, and never an ENT (system) message."""
        if message.in_reply_to is not None:
            self.replied(message.in_reply_to, message.sender_id)
        self.trigger(message)

    def replied(self, message_id: str, replier_id: str) -> MessageSent:
        """The message being answered, if the replier may answer it."""
        message = self.message_for(message_id, replier_id)
        if message.kind == "system":
            raise Refused("in_reply_to", "no_reply", texts.NO_REPLY_TO_SYSTEM)
        return message

    def message_for(self, message_id: str, reader_id: str) -> MessageSent:
        """A message of this conversation that `reader_id` sent or received; NotFound else,
        whether it does not exist or is not theirs."""
        message = self.messages.get(message_id)
        if message is None or reader_id not in participants_of(message):
            raise NotFound("message_id", "message_not_found", texts.MESSAGE_NOT_FOUND)
        return message

    def reply_targets(self, message_id: str, replier_id: str, *, to_all: bool) -> ReplyTargets:
        """Reply: to the sender. Reply all: the sender and the visible recipients, the
        replier left out; refused when the sender chose "Me répondre uniquement"."""
        message = self.replied(message_id, replier_id)
        if replier_id == message.sender_id:  # answering one's own message: the same people
            return ReplyTargets(list(message.to), list(message.cc))
        if not to_all:
            return ReplyTargets([message.sender_id], [])
        if message.reply_mode != "all":
            raise Refused("reply_mode", "reply_all_not_allowed", texts.REPLY_ALL_NOT_ALLOWED)
        to = [u for u in dict.fromkeys([message.sender_id, *message.to]) if u != replier_id]
        return ReplyTargets(to, [u for u in message.cc if u != replier_id])

    def reachable_by_reply(self, message_id: str, replier_id: str) -> set[str]:
        """Whom a reply to `message_id` may address without the directory: the sender of
        the message, and under "Répondre à tous" everyone it was visibly sent to (blind
        copies stay unknown to the others). The message's sender reaches all they wrote to."""
        message = self.replied(message_id, replier_id)
        if replier_id == message.sender_id:
            return set(recipients_of(message))
        if message.reply_mode == "all":
            return {message.sender_id, *message.to, *message.cc} - {replier_id}
        return {message.sender_id}

    def thread(self, up_to: str) -> list[MessageSent]:
        """The messages up to and including `up_to`, newest first (as quoted below a reply)."""
        ordered = list(self.messages.values())
        ids = [m.message_id for m in ordered]
        return list(reversed(ordered[: ids.index(up_to) + 1]))
