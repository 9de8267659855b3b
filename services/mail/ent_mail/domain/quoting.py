"""What a reply or a forward starts from (seed 002 §I-4): its subject, and the previous
exchanges quoted below, newest first, in a clearly delimited block. Pure."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from ent_contracts.mail import MessageSent

from ent_mail import texts


def reply_subject(subject: str) -> str:
    return _prefixed(texts.REPLY_PREFIX, subject)


def forward_subject(subject: str) -> str:
    return _prefixed(texts.FORWARD_PREFIX, subject)


def _prefixed(prefix: str, subject: str) -> str:
    """One prefix however long the chain: "RE : RE : RE :" helps nobody."""
    return subject if subject.casefold().startswith(prefix.casefold()) else prefix + subject


def quoted_thread(thread: Sequence[MessageSent], name_of: Callable[[str], str]) -> str:
    """An empty paragraph to write in, then each earlier message in its own blockquote,
    newest first, under a line saying who wrote it and when."""
    blocks = [
        "<blockquote>"
        f"<p>{html.escape(_header(message, name_of))}</p>"
        f"{message.body_html}"
        "</blockquote>"
        for message in thread
    ]
    return "<p></p>" + "".join(blocks)


def forwarded(message: MessageSent, name_of: Callable[[str], str]) -> str:
    header = texts.FORWARD_HEADER.format(
        sender=name_of(message.sender_id), date=_date(message), subject=message.subject
    )
    return f"<p></p><blockquote><p>{html.escape(header)}</p>{message.body_html}</blockquote>"


def _header(message: MessageSent, name_of: Callable[[str], str]) -> str:
    return texts.QUOTE_HEADER.format(date=_date(message), sender=name_of(message.sender_id))


def _date(message: MessageSent) -> str:
    return message.sent_at.strftime("%d/%m/%Y à %H:%M")
