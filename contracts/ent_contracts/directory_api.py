"""The directory's HTTP contract with the other services: the reachability check that
mail, locker and transfer make before any send, and the gateway's sign-in look-ups.

Both sides use these Structs: the directory to decode requests and shape answers, its
callers (through `ent_kit.peers.PeerClient`) to encode requests and decode answers."""

from __future__ import annotations

from typing import Annotated, Final, Literal

import msgspec

from ent_contracts.directory import Profile, RecipientRef, Role

REACHABILITY_PATH: Final = "/directory/reachability"
SIGN_IN_PATH: Final = "/directory/internal/authenticate"
ACCOUNT_PATH: Final = "/directory/internal/accounts/{login}"
MAX_RECIPIENTS: Final = 200  # seed 002 §I-3, after audiences are expanded
GROUP_PREFIX: Final = "group:"

RefusalReason = Literal[
    "sender_frozen",  # the sender's account is frozen: every send is refused
    "sender_inactive",  # the sender is unknown to the directory or has left
    "recipient_inactive",  # the recipient has left, or is unknown
    "not_allowed",  # no communication rule lets the sender write to them
    "reserved_to_management",  # a whole-school audience only management may address
]


class Recipient(RecipientRef, frozen=True, kw_only=True, omit_defaults=True):
    """A recipient as clients send it: exactly a user, or exactly an audience (a role in a
    group, or in the whole school)."""

    def __post_init__(self) -> None:
        if (self.user_id is None) == (self.group_id is None or self.role is None):
            # Shown to people in a 400 answer: French, like every message they read.
            raise ValueError("un destinataire est soit un user_id, soit un group_id avec un role")

    def entry(self) -> str:
        """The form `parse` reads: the user id, or `group:<group id>:<role>`."""
        if self.user_id is not None:
            return self.user_id
        return f"{GROUP_PREFIX}{self.group_id}:{self.role}"

    def audience(self) -> tuple[str, Role]:
        if self.group_id is None or self.role is None:
            raise ValueError("not an audience")
        return self.group_id, self.role

    @classmethod
    def parse(cls, token: str) -> Recipient:
        """`<user id>`, or `group:<group id>:<role>` (e.g. a class's `students`), the form
        recipients take in multipart forms. ValueError when malformed."""
        if not token.startswith(GROUP_PREFIX):
            return cls(user_id=token)
        parts = token.split(":")
        roles: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
        if len(parts) != 3 or not parts[1] or parts[2] not in roles:
            raise ValueError(f"destinataire de groupe mal formé : {token}")
        return msgspec.convert({"group_id": parts[1], "role": parts[2]}, cls)


class ReachabilityRequest(msgspec.Struct, frozen=True, kw_only=True):
    recipients: Annotated[list[Recipient], msgspec.Meta(min_length=1)]
    sender_id: str | None = None  # services check on behalf of a user; users for themselves


class RefusedRecipient(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A recipient the sender may not write to, as it was asked (a user, or an audience
    refused whole, never expanded), with the reason."""

    reason: RefusalReason
    user_id: str | None = None
    group_id: str | None = None
    role: Role | None = None


class Verdict(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    allowed: list[str]  # user ids, audiences expanded
    refused: list[RefusedRecipient]
    # Each audience asked (`Recipient.entry()`) and the people it stood for, before each was
    # checked: lets a caller tell which field (to, cc, bcc) an expanded recipient came from.
    expansions: dict[str, list[str]] = {}


class PasswordCheck(msgspec.Struct, frozen=True, kw_only=True):
    login: str
    password: str


class SignInAccount(msgspec.Struct, frozen=True, kw_only=True):
    """What the gateway needs to issue a token for an account."""

    user_id: str
    login: str
    display_name: str
    profile: Profile
    school_id: str
    active: bool
    frozen: bool
    # Tokens carry it; a token older than the account's current version is refused
    # (freeze, deactivation, password change, "sign out everywhere").
    session_version: int = 0


# --- mobile pairing: the gateway exchanges a pairing code, then a device's secret ------

PAIRING_REDEEM_PATH: Final = "/directory/internal/pairing/redeem"
DEVICE_TOKEN_PATH: Final = "/directory/internal/devices/token"


class PairingRedemption(msgspec.Struct, frozen=True, kw_only=True):
    """A one-time pairing code (from the QR code) and the name the device goes by."""

    code: str
    device_name: str


class DeviceCredentials(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    device_secret: str


class PairedDevice(msgspec.Struct, frozen=True, kw_only=True):
    """A new device: its secret (shown once, stored hashed) and the account it opens."""

    device_id: str
    device_secret: str
    account: SignInAccount
