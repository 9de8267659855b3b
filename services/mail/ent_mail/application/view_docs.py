"""How the read models' documents become the Messagerie's views: people named as the
directory names them now, attachments removed by the antivirus shown as such. Pure."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from ent_kit.auth import Identity
from ent_kit.storage import Document, Lookup

from ent_mail import texts
from ent_mail.application.projections import PEOPLE
from ent_mail.application.sending import SYSTEM_SENDER
from ent_mail.application.views import CopySummary, MessageView, Person


class SenderName(msgspec.Struct):
    """What a page reads of a sender's document (the rest of it is not decoded)."""

    display_name: str = ""


SENDERS = Lookup(PEOPLE, "sender_id", SenderName)


def named(found: dict[str, str], user_ids: Iterable[str]) -> dict[str, str]:
    """Display names as the directory has them now; someone unknown is named as such."""
    names = {**found, SYSTEM_SENDER: texts.SYSTEM_SENDER_NAME}  # the ENT's own messages
    return {u: names.get(u) or texts.UNKNOWN_SENDER for u in user_ids}


def summaries(copies: list[Document], names: dict[str, str]) -> list[CopySummary]:
    items = [{**c, "sender_name": names[c["sender_id"]]} for c in copies]
    return msgspec.convert(items, list[CopySummary])


def visible_people(me: Identity, message: Document) -> list[str]:
    """Who the reader may see on this message: blind copies only if they sent it."""
    bcc = message["bcc"] if message["sender_id"] == me.user_id else []
    return [message["sender_id"], *message["to"], *message["cc"], *bcc]


def message_doc(
    me: Identity, copy: Document, message: Document, names: dict[str, str], removed: set[str]
) -> Document:
    def people(ids: list[str]) -> list[Document]:
        return [person(u, names) for u in ids]

    mine = message["sender_id"] == me.user_id
    return {
        **message,
        "message_id": copy["message_id"],
        "sender": person(message["sender_id"], names),
        "to": people(message["to"]),
        "cc": people(message["cc"]),
        "bcc": people(message["bcc"]) if mine else [],
        "attachments": [attachment(a, removed) for a in message["attachments"]],
        "read": copy["read"],
        "folder": copy["folder"],
        "category": copy["category"],
    }


def person(user_id: str, names: dict[str, str]) -> Document:
    return {"user_id": user_id, "display_name": names.get(user_id, texts.UNKNOWN_SENDER)}


def attachment(ref: Document, removed: set[str]) -> Document:
    if ref["sha256"] in removed:
        return {**ref, "name": texts.ATTACHMENT_REMOVED, "removed": True}
    return {**ref, "removed": False}


def participants(messages: list[MessageView]) -> list[Person]:
    """Everyone the reader sees on these messages, in order of first appearance."""
    seen: dict[str, Person] = {}
    for m in messages:
        for p in (m.sender, *m.to, *m.cc, *m.bcc):
            seen.setdefault(p.user_id, p)
    return list(seen.values())
