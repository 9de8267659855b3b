"""Who a deposit is for, as the sender chose: pure checks before the directory decides."""

from __future__ import annotations

from ent_contracts.directory_api import MAX_RECIPIENTS, Recipient
from ent_kit.errors import Refused

from ent_locker import texts


def checked_recipients(sender_id: str, entries: list[str]) -> list[Recipient]:
    """The recipients as chosen (users, or audiences such as `group:<id>:students`), before
    the directory expands audiences: trimmed, once each, at least one, at most
    MAX_RECIPIENTS, never the sender."""
    unique = list(dict.fromkeys(e.strip() for e in entries if e.strip()))
    if not unique:
        raise Refused("recipients", "missing", texts.RECIPIENTS_REQUIRED)
    if len(unique) > MAX_RECIPIENTS:
        raise Refused(
            "recipients", "too_many", texts.TOO_MANY_RECIPIENTS.format(max=MAX_RECIPIENTS)
        )
    if sender_id in unique:
        raise Refused("recipients", "oneself", texts.NOT_ONESELF)
    return [_parsed(entry) for entry in unique]


def _parsed(entry: str) -> Recipient:
    try:
        return Recipient.parse(entry)
    except ValueError:
        raise Refused(
            "recipients", "malformed", texts.MALFORMED_RECIPIENT.format(entry=entry)
        ) from None
