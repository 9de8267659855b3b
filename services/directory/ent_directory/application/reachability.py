"""The reachability check mail, locker and transfer call before any send."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

import msgspec
from ent_contracts.directory import RecipientRef, Role
from ent_kit.storage import DocumentReader, Query

from ent_directory.application.projections import GROUPS, RULES, USERS
from ent_directory.domain.rules import Person, Reachability, Rule, Substitution

MAX_RECIPIENTS = 200
Reason = Literal[
    "sender_frozen",
    "sender_inactive",
    "recipient_inactive",
    "not_allowed",
    "reserved_to_management",
]


class Recipient(RecipientRef, frozen=True, kw_only=True, omit_defaults=True):
    """A recipient as clients send it: exactly a user, or exactly an audience."""

    def __post_init__(self) -> None:
        if (self.user_id is None) == (self.group_id is None or self.role is None):
            raise ValueError("a recipient is either a user_id, or a group_id with a role")

    def audience(self) -> tuple[str, Role]:
        if self.group_id is None or self.role is None:
            raise ValueError("not an audience")
        return self.group_id, self.role


class Refused(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    reason: str
    user_id: str | None = None
    group_id: str | None = None
    role: str | None = None


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    allowed: list[str]
    refused: list[Refused]


def person(doc: dict[str, Any], replaced: dict[str, dict[str, Any]]) -> Person:
    substitutions = tuple(
        Substitution(
            frozenset(replaced[s["replaced_id"]]["teaches"])
            if s["replaced_id"] in replaced
            else frozenset(),
            date.fromisoformat(s["starts_on"]),
            date.fromisoformat(s["ends_on"]),
        )
        for s in doc.get("substitutions", [])
    )
    return Person(
        user_id=doc["id"],
        school_id=doc["school_id"],
        profile=doc["profile"],
        function=doc.get("function"),
        active=doc["active"],
        frozen=doc["frozen"],
        member_of=frozenset(doc["member_of"]),
        teaches=frozenset(doc["teaches"]),
        parent_of=frozenset(doc["parent_of"]),
        relatives=frozenset(doc["relatives"]),
        substitutions=substitutions,
    )


class ReachabilityService:
    def __init__(self, reads: DocumentReader) -> None:
        self._reads = reads

    async def documents(self, user_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await self._reads.get_many(USERS, list(dict.fromkeys(user_ids)))

    async def people(self, user_ids: Sequence[str]) -> dict[str, Person]:
        docs = await self._reads.get_many(USERS, list(dict.fromkeys(user_ids)))
        replaced_ids = {s["replaced_id"] for d in docs.values() for s in d["substitutions"]}
        replaced = await self._reads.get_many(USERS, sorted(replaced_ids)) if replaced_ids else {}
        return {user_id: person(doc, replaced) for user_id, doc in docs.items()}

    async def rules(self, school_id: str) -> list[Rule]:
        rules: list[Rule] = []
        query: Query | None = Query(where={"school_id": school_id}, limit=1000)
        while query is not None:
            page = await self._reads.find(RULES, query)
            rules += [_rule(d) for d in page.items]
            query = (
                msgspec.structs.replace(query, after=page.next_cursor) if page.next_cursor else None
            )
        return rules

    async def for_sender(self, sender_id: str, day: date) -> Reachability | None:
        sender = (await self.people([sender_id])).get(sender_id)
        if sender is None:
            return None
        return Reachability(sender, await self.rules(sender.school_id), day)

    async def check(self, sender_id: str, recipients: Sequence[Recipient], day: date) -> Verdict:
        reach = await self.for_sender(sender_id, day)
        if reach is None:
            return Verdict(allowed=[], refused=[_refused(r, "sender_inactive") for r in recipients])
        refused: list[Refused] = []
        user_ids: list[str] = []
        for recipient in recipients:
            if recipient.user_id is not None:
                user_ids.append(recipient.user_id)
                continue
            reason = await self._audience_refusal(reach, recipient)
            if reason:
                refused.append(_refused(recipient, reason))
            else:
                user_ids += await self.audience_members(reach.sender.school_id, recipient)
        unique = list(dict.fromkeys(user_ids))
        people = await self.people(unique)
        decision = reach.decide([people.get(u, u) for u in unique])
        refused += [Refused(user_id=r.user_id, reason=r.reason) for r in decision.refused]
        return Verdict(allowed=decision.allowed, refused=refused)

    async def _audience_refusal(self, reach: Reachability, audience: Recipient) -> Reason | None:
        scope, role = audience.audience()
        if reach.sender.frozen:
            return "sender_frozen"
        if scope == reach.sender.school_id:
            allowed = reach.may_write_to_audience(scope, role)
            return None if allowed else "reserved_to_management"
        # A whole audience needs a rule naming it; refused unexpanded, so that a refusal
        # never lists the members of a group one may not write to.
        return None if reach.may_write_to_audience(scope, role) else "not_allowed"

    async def audience_members(self, school_id: str, audience: Recipient) -> list[str]:
        """The people an audience stands for today (each is still checked one by one)."""
        scope, role = audience.audience()
        if scope == school_id:
            return await self._school_members(school_id, role)
        group = await self._reads.get(GROUPS, scope)
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
                students = await self._reads.get_many(USERS, group["members"])
                return sorted({p for s in students.values() for p in s["relatives"]})
        return []

    async def _school_members(self, school_id: str, role: Role) -> list[str]:
        where: dict[str, Any] = {"school_id": school_id, "active": True}
        if role in ("students", "teachers", "parents"):
            where["profile"] = role.removesuffix("s")
        elif role in ("direction", "vie_scolaire", "secretariat"):
            where |= {"profile": "staff", "function": role}
        elif role == "staff":
            where["profile"] = "staff"
        ids: list[str] = []
        query: Query | None = Query(where=where, limit=1000)
        while query is not None:
            page = await self._reads.find(USERS, query)
            ids += [d["id"] for d in page.items]
            query = (
                msgspec.structs.replace(query, after=page.next_cursor) if page.next_cursor else None
            )
        return ids


def _rule(d: dict[str, Any]) -> Rule:
    return Rule(
        d["id"],
        d["list_kind"],
        d["sender_scope"],
        d["sender_role"],
        d["recipient_scope"],
        d["recipient_role"],
    )


def _refused(recipient: Recipient, reason: str) -> Refused:
    return Refused(
        user_id=recipient.user_id, group_id=recipient.group_id, role=recipient.role, reason=reason
    )
