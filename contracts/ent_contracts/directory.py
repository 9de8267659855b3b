"""Events of the directory domain: people, groups, family links, substitutions, and the
communication rules that decide who may write to whom."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

import msgspec

from ent_contracts import topics
from ent_contracts.envelope import DomainEvent
from ent_contracts.registry import register

Profile = Literal["student", "parent", "teacher", "staff", "guest"]
StaffFunction = Literal["direction", "vie_scolaire", "secretariat", "other"]
GroupKind = Literal["class", "teaching", "collaborative", "manual"]
ListKind = Literal["administrative", "pedagogical", "family", "collaborative"]
# Who, in a scope (a group, or the whole school), a rule is about.
Role = Literal[
    "students",
    "teachers",
    "parents",
    "members",
    "staff",
    "direction",
    "vie_scolaire",
    "secretariat",
    "family",
]


def display_name(first_name: str, last_name: str) -> str:
    """How a person is named to others everywhere on the platform ("Prénom Nom")."""
    return f"{first_name} {last_name}"


class DirectoryEvent(DomainEvent, frozen=True, kw_only=True):
    topic: ClassVar[str] = topics.DIRECTORY


@register
class UserRegistered(DirectoryEvent, frozen=True, kw_only=True):
    """A person got an account in a school."""

    event_type: ClassVar[str] = "directory.UserRegistered"

    user_id: str
    school_id: str
    login: str
    first_name: str
    last_name: str
    profile: Profile
    classes: list[str] = []
    function: str | None = None
    subjects: list[str] = []
    external_id: str | None = None


@register
class UserUpdated(DirectoryEvent, frozen=True, kw_only=True):
    """Names, classes, subjects or function changed (e.g. by a re-import)."""

    event_type: ClassVar[str] = "directory.UserUpdated"

    user_id: str
    first_name: str
    last_name: str
    classes: list[str] = []
    function: str | None = None
    subjects: list[str] = []


@register
class UserFrozen(DirectoryEvent, frozen=True, kw_only=True):
    """Every send is refused, and the account may no longer sign in (its sessions end:
    `SessionsEnded`)."""

    event_type: ClassVar[str] = "directory.UserFrozen"

    user_id: str
    by: str
    reason: str = ""


@register
class UserUnfrozen(DirectoryEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "directory.UserUnfrozen"

    user_id: str
    by: str


@register
class UserDeactivated(DirectoryEvent, frozen=True, kw_only=True):
    """The person left the school (e.g. missing from a re-import): nobody can write to them."""

    event_type: ClassVar[str] = "directory.UserDeactivated"

    user_id: str


SessionsEndReason = Literal[
    "frozen", "deactivated", "password_changed", "password_reset", "signed_out_everywhere"
]


@register
class SessionsEnded(DirectoryEvent, frozen=True, kw_only=True):
    """Every token the account holds is void: tokens carry the session version they were
    issued with, and one below `session_version` is refused by every service. Versions
    only rise (1, 2, ...); a token issued from now on carries this one."""

    event_type: ClassVar[str] = "directory.SessionsEnded"

    user_id: str
    session_version: int
    reason: SessionsEndReason


@register
class FamilyLinked(DirectoryEvent, frozen=True, kw_only=True):
    """A parent (responsable légal) is linked to a student."""

    event_type: ClassVar[str] = "directory.FamilyLinked"

    parent_id: str
    student_id: str


@register
class GroupCreated(DirectoryEvent, frozen=True, kw_only=True):
    """A class, teaching group, collaborative space or manual group."""

    event_type: ClassVar[str] = "directory.GroupCreated"

    group_id: str
    school_id: str
    kind: GroupKind
    name: str


@register
class GroupMembershipChanged(DirectoryEvent, frozen=True, kw_only=True):
    """Members (students, or members of a space) and teachers joined or left a group."""

    event_type: ClassVar[str] = "directory.GroupMembershipChanged"

    group_id: str
    members_added: list[str] = []
    members_removed: list[str] = []
    teachers_added: list[str] = []
    teachers_removed: list[str] = []
    main_teacher_id: str | None = None


@register
class SubstitutionScheduled(DirectoryEvent, frozen=True, kw_only=True):
    """A substitute takes the replaced teacher's groups from `starts_on` to `ends_on`."""

    event_type: ClassVar[str] = "directory.SubstitutionScheduled"

    substitution_id: str
    school_id: str
    substitute_id: str
    replaced_id: str
    starts_on: date
    ends_on: date


@register
class CommunicationRuleGranted(DirectoryEvent, frozen=True, kw_only=True):
    """Members of `sender_role` in `sender_scope` may write to `recipient_role` in
    `recipient_scope` (a scope is a group id or the school id). One direction only."""

    event_type: ClassVar[str] = "directory.CommunicationRuleGranted"

    rule_id: str
    school_id: str
    list_kind: ListKind
    sender_scope: str
    sender_role: Role
    recipient_scope: str
    recipient_role: Role


@register
class CommunicationRuleRevoked(DirectoryEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "directory.CommunicationRuleRevoked"

    rule_id: str
    school_id: str


class RecipientRef(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A user, or an audience: a role in a group (or in the whole school)."""

    user_id: str | None = None
    group_id: str | None = None
    role: Role | None = None


@register
class FavouriteSaved(DirectoryEvent, frozen=True, kw_only=True):
    """A user saved (or renamed, or changed) a set of recipients under a name."""

    event_type: ClassVar[str] = "directory.FavouriteSaved"

    favourite_id: str
    owner_id: str
    name: str
    recipients: list[RecipientRef]


@register
class FavouriteDeleted(DirectoryEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "directory.FavouriteDeleted"

    favourite_id: str
    owner_id: str


@register
class DevicePaired(DirectoryEvent, frozen=True, kw_only=True):
    """A user paired a mobile device by its QR code: it gets tokens of its own until
    revoked, or until the account's sessions end (`session_version`: the account's
    version at pairing; a later `SessionsEnded` ends the device too). The pairing code
    and the device's secret never travel in an event."""

    event_type: ClassVar[str] = "directory.DevicePaired"

    device_id: str
    user_id: str
    device_name: str
    paired_at: datetime
    session_version: int = 0


@register
class DeviceRevoked(DirectoryEvent, frozen=True, kw_only=True):
    """The user unpaired a device: it gets no new token (its last one lasts minutes)."""

    event_type: ClassVar[str] = "directory.DeviceRevoked"

    device_id: str
    user_id: str
