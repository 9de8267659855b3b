"""Where a user wants to be told of new messages by e-mail. Pure rules, no I/O.

Set by its owner only (the application passes the caller's own id). The format check is
pragmatic, not RFC 5322's whole grammar: what a relay takes without SMTPUTF8 and what
people type, with no display name, quotes or comments.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Final

from ent_contracts import DomainEvent
from ent_contracts.mail import NotificationAddressSet
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Refused

from ent_mail import texts

STREAM_PREFIX: Final = "notify:"
MAX_ADDRESS: Final = 254  # RFC 5321's path limit, brackets aside
MAX_LOCAL_PART: Final = 64
# Printable ASCII allowed in an unquoted local part (RFC 5322 atext) besides letters/digits.
_LOCAL_SPECIALS: Final = frozenset("!#$%&'*+-/=?^_`{|}~.")


def notification_settings_id(user_id: str) -> str:
    return f"{STREAM_PREFIX}{user_id}"


class NotificationSettings(Aggregate):
    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.user_id = stream_id.removeprefix(STREAM_PREFIX)
        self.address: str | None = None

    def when(self, event: DomainEvent) -> None:
        match event:
            case NotificationAddressSet():
                self.address = event.address

    def set_address(self, address: str | None) -> str | None:
        """Set (or with None or a blank, clear) the address; nothing happens when it is
        unchanged. Returns the address as kept."""
        wanted = checked_address(address)
        if wanted != self.address:
            self.trigger(NotificationAddressSet(user_id=self.user_id, address=wanted))
        return wanted


def checked_address(address: str | None, field: str = "address") -> str | None:
    """The address as kept (domain in lower case), None to clear; Refused (naming
    `field`) if malformed."""
    if address is None or not address.strip():
        return None
    candidate = address.strip()
    if len(candidate) > MAX_ADDRESS:
        raise Refused(field, "address_too_long", texts.ADDRESS_TOO_LONG.format(max=MAX_ADDRESS))
    if not _well_formed(candidate):
        raise Refused(field, "invalid_address", texts.INVALID_ADDRESS)
    local, _, domain = candidate.partition("@")
    return f"{local}@{domain.lower()}"


def _well_formed(address: str) -> bool:
    if not address.isascii() or not address.isprintable() or " " in address:
        return False
    if parseaddr(address) != ("", address):  # a display name, brackets, a comment…
        return False
    if address.count("@") != 1:
        return False
    local, _, domain = address.partition("@")
    return _local_part_ok(local) and _domain_ok(domain)


def _local_part_ok(local: str) -> bool:
    return (
        0 < len(local) <= MAX_LOCAL_PART
        and all(c.isalnum() or c in _LOCAL_SPECIALS for c in local)
        and not local.startswith(".")
        and not local.endswith(".")
        and ".." not in local
    )


def _domain_ok(domain: str) -> bool:
    labels = domain.split(".")
    return (
        len(labels) >= 2
        and all(_label_ok(label) for label in labels)
        and not labels[-1].isdigit()  # a TLD is never numeric: no bare IP addresses
        and len(labels[-1]) >= 2
    )


def _label_ok(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and all(c.isalnum() or c == "-" for c in label)
        and not label.startswith("-")
        and not label.endswith("-")
    )
