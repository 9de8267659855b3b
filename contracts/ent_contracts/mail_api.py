"""Mail's HTTP contract with the other services: e-mails sent outside the ENT on behalf of
a user (a transfer's link shared with e-mail addresses).

Both sides use these Structs: mail to decode requests and shape answers, its callers
(through `ent_kit.peers.PeerClient`, scope `mail:external_email`) to encode and decode."""

from __future__ import annotations

from typing import Annotated, Final

import msgspec

EXTERNAL_EMAILS_PATH: Final = "/mail/internal/external-emails"
MAX_EXTERNAL_ADDRESSES: Final = 20  # per request; the user's daily allowance is mail's


class ExternalEmailRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One plain-text e-mail to each address of `to`, from the ENT's no-reply address."""

    to: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_EXTERNAL_ADDRESSES)]
    subject: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
    on_behalf_of: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    # Only check the addresses and the allowance, queue nothing: a caller about to do
    # something else first (send a message) learns the refusal before doing it.
    check_only: bool = False


class ExternalEmailReceipt(msgspec.Struct, frozen=True, kw_only=True):
    email_id: str | None  # None when only checked
    queued: int  # e-mails queued (or that would be), one per distinct address
