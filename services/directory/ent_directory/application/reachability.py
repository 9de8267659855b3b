"""The reachability check mail, locker and transfer call before any send
(`ent_contracts.directory_api`: `ReachabilityRequest` in, `Verdict` out)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from ent_contracts.directory import Role
from ent_contracts.directory_api import (
    MAX_RECIPIENTS,
    ReachabilityRequest,
    Recipient,
    RefusalReason,
    RefusedRecipient,
    Verdict,
)
from ent_kit.auth import Identity
from ent_kit.errors import Forbidden, Refused
from ent_kit.storage import DocumentReader, Query, find_all

from ent_directory import texts
from ent_directory.application.projections import GROUPS, READ_PAGE, USERS
from ent_directory.application.school_rules import SchoolRules
from ent_directory.domain.rules import Person, Reachability, Rule, Substitution


def today() -> date:
    return datetime.now(UTC).date()


class SubstitutionRow(msgspec.Struct):
    replaced_id: str
    starts_on: date
    ends_on: date


class UserRow(msgspec.Struct):
    """What a check reads of a user's document, decoded straight from the store: a check
    reads a thousand of them (its recipients, its audiences' members), and a typed decode
    that skips the names and keys costs half of a dict's plus its conversion."""

    school_id: str
    profile: str
    active: bool
    frozen: bool
    member_of: frozenset[str]
    teaches: frozenset[str]
    parent_of: frozenset[str]
    relatives: frozenset[str]
    function: str | None = None
    substitutions: list[SubstitutionRow] = msgspec.field(default_factory=list)


class Teaching(msgspec.Struct):
    teaches: frozenset[str]


class Relatives(msgspec.Struct):
    relatives: list[str]


def _substitutions(row: UserRow, replaced: dict[str, Teaching]) -> tuple[Substitution, ...]:
    if not row.substitutions:  # nearly everyone: no generator built for them
        return ()
    return tuple(
        Substitution(
            replaced[s.replaced_id].teaches if s.replaced_id in replaced else frozenset(),
            s.starts_on,
            s.ends_on,
        )
        for s in row.substitutions
    )


def person(user_id: str, row: UserRow, replaced: dict[str, Teaching]) -> Person:
    return Person(
        user_id=user_id,
        school_id=row.school_id,
        profile=row.profile,
        function=row.function,
        active=row.active,
        frozen=row.frozen,
        member_of=row.member_of,
        teaches=row.teaches,
        parent_of=row.parent_of,
        relatives=row.relatives,
        substitutions=_substitutions(row, replaced),
    )


class ReachabilityService:
    def __init__(self, reader: DocumentReader, school_rules: SchoolRules | None = None) -> None:
        self._reader = reader
        self._school_rules = school_rules or SchoolRules()

    async def verdict(self, caller: Identity, request: ReachabilityRequest) -> Verdict:
        """The check as asked over HTTP: by a service on behalf of `sender_id`, or by a
        user for themselves; at most MAX_RECIPIENTS recipients."""
        if len(request.recipients) > MAX_RECIPIENTS:
            message = texts.TOO_MANY_RECIPIENTS.format(max=MAX_RECIPIENTS)
            raise Refused("recipients", "too_many", message, max=MAX_RECIPIENTS)
        return await self.check(_sender(caller, request.sender_id), request.recipients, today())

    async def documents(self, user_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await self._reader.get_many(USERS, list(dict.fromkeys(user_ids)))

    async def people(self, user_ids: Sequence[str]) -> dict[str, Person]:
        rows = await self._reader.get_many_as(USERS, list(dict.fromkeys(user_ids)), UserRow)
        replaced_ids = sorted({s.replaced_id for r in rows.values() for s in r.substitutions})
        replaced = (
            await self._reader.get_many_as(USERS, replaced_ids, Teaching) if replaced_ids else {}
        )
        return {user_id: person(user_id, row, replaced) for user_id, row in rows.items()}

    async def rules(self, school_id: str) -> list[Rule]:
        return await self._school_rules.of(self._reader, school_id)

    async def for_sender(self, sender_id: str, day: date) -> Reachability | None:
        sender = (await self.people([sender_id])).get(sender_id)
        if sender is None:
            return None
        return Reachability(sender, await self.rules(sender.school_id), day)

    async def check(self, sender_id: str, recipients: Sequence[Recipient], day: date) -> Verdict:
        reach = await self.for_sender(sender_id, day)
        if reach is None:
            return Verdict(allowed=[], refused=[_refused(r, "sender_inactive") for r in recipients])
        refused: list[RefusedRecipient] = []
        user_ids: list[str] = []
        expansions: dict[str, list[str]] = {}
        for recipient in recipients:
            if recipient.user_id is not None:
                user_ids.append(recipient.user_id)
                continue
            reason = _audience_refusal(reach, recipient)
            if reason:
                refused.append(_refused(recipient, reason))
            else:
                members = await self.audience_members(reach.sender.school_id, recipient)
                expansions[recipient.entry()] = members
                user_ids += members
        unique = list(dict.fromkeys(user_ids))
        people = await self.people(unique)
        decision = reach.decide([people.get(u, u) for u in unique])
        refused += [RefusedRecipient(user_id=r.user_id, reason=r.reason) for r in decision.refused]
        return Verdict(allowed=decision.allowed, refused=refused, expansions=expansions)

    async def audience_members(self, school_id: str, audience: Recipient) -> list[str]:
        """The people an audience stands for today (each is still checked one by one)."""
        scope, role = audience.audience()
        if scope == school_id:
            return await self._school_members(school_id, role)
        group = await self._reader.get(GROUPS, scope)
        if group is None:
            return []
        match role:
            case "students":
                return list(group["members"])
            case "teachers":
                return list(group["teachers"])
            case "members":
                return [*group["members"], *group["teachers"]]
            case "parents":
                students = await self._reader.get_many_as(USERS, group["members"], Relatives)
                return sorted({p for s in students.values() for p in s.relatives})
        return []

    async def _school_members(self, school_id: str, role: Role) -> list[str]:
        where: dict[str, Any] = {"school_id": school_id, "active": True}
        if role in ("students", "teachers", "parents"):
            where["profile"] = role.removesuffix("s")
        elif role in ("direction", "vie_scolaire", "secretariat"):
            where |= {"profile": "staff", "function": role}
        elif role == "staff":
            where["profile"] = "staff"
        query = Query(where=where, limit=READ_PAGE)
        return [d["id"] async for d in find_all(self._reader, USERS, query)]


def _sender(caller: Identity, sender_id: str | None) -> str:
    """Services check on behalf of a sender they name; users check for themselves only."""
    if caller.is_service:
        if not sender_id:
            raise Refused("sender_id", "missing", texts.SENDER_REQUIRED)
        return sender_id
    if sender_id not in (None, caller.user_id):
        raise Forbidden("sender_id", "forbidden", texts.OWN_SENDS_ONLY)
    return caller.user_id


def _audience_refusal(reach: Reachability, audience: Recipient) -> RefusalReason | None:
    scope, role = audience.audience()
    if reach.sender.frozen:
        return "sender_frozen"
    if scope == reach.sender.school_id:
        allowed = reach.may_write_to_audience(scope, role)
        return None if allowed else "reserved_to_management"
    # A whole audience needs a rule naming it; refused unexpanded, so that a refusal
    # never lists the members of a group one may not write to.
    return None if reach.may_write_to_audience(scope, role) else "not_allowed"


def _refused(recipient: Recipient, reason: RefusalReason) -> RefusedRecipient:
    return RefusedRecipient(
        user_id=recipient.user_id, group_id=recipient.group_id, role=recipient.role, reason=reason
    )
