"""Who a deposit is for: as the sender chose it (checked before the directory decides),
then the lockers it goes into (once the directory has decided). Pure checks."""

from __future__ import annotations

from ent_contracts.directory_api import MAX_RECIPIENTS, Recipient, RefusedRecipient
from ent_kit.errors import Refused, Unprocessable

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


def lockers_of(
    sender_id: str, allowed: list[str], refused: list[RefusedRecipient] | None = None
) -> list[str]:
    """The lockers a deposit goes into, once the directory has decided: the allowed users,
    once each, never the sender; at least one, or Unprocessable naming the `refused` ones."""
    lockers = [r for r in dict.fromkeys(allowed) if r != sender_id]
    if not lockers:
        raise Unprocessable(
            "recipients",
            "no_allowed_recipients",
            texts.NO_ALLOWED_RECIPIENTS,
            refused=refused or [],
        )
    return lockers


def _parsed(entry: str) -> Recipient:
    try:
        return Recipient.parse(entry)
    except ValueError:
        raise Refused(
            "recipients", "malformed", texts.MALFORMED_RECIPIENT.format(entry=entry)
        ) from None
