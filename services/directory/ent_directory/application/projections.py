"""Read models of the directory, kept from its own events.

`users` holds, per person, exactly what the communication rules need (their groups, the
groups of their children, their relatives, their substitutions), so that a
200-recipient check reads 200 documents and decides in memory.
"""

from __future__ import annotations

from typing import Any

import msgspec
from ent_contracts import DomainEvent, Envelope
from ent_contracts.directory import (
    CommunicationRuleGranted,
    CommunicationRuleRevoked,
    FamilyLinked,
    FavouriteDeleted,
    FavouriteSaved,
    GroupCreated,
    GroupMembershipChanged,
    SubstitutionScheduled,
    UserDeactivated,
    UserFrozen,
    UserRegistered,
    UserUnfrozen,
    UserUpdated,
    display_name,
)
from ent_kit.storage import DocumentWriter

USERS = "users"
GROUPS = "groups"
RULES = "rules"
RULE_SETS = "rule_sets"  # per school: the event that last changed its rules (a cache stamp)
FAVOURITES = "favourites"
# Documents read at once when every one is needed (a school's rules, an import's sweep):
# the store's largest page.
READ_PAGE = 1000


def _name_keys(first_name: str, last_name: str) -> dict[str, str]:
    """Case-folded names: search by prefix is a range query on these."""
    return {"first_key": first_name.casefold(), "last_key": last_name.casefold()}


class DirectoryProjection:
    name = "directory"
    collections = (USERS, GROUPS, RULES, RULE_SETS, FAVOURITES)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case UserRegistered():
                await tx.put(USERS, event.user_id, _new_user(event))
            case UserUpdated():
                await _update(tx, event.user_id, **_details(event), active=True)
            case UserFrozen() | UserUnfrozen():
                await _update(tx, event.user_id, frozen=isinstance(event, UserFrozen))
            case UserDeactivated():
                await _update(tx, event.user_id, active=False)
            case FamilyLinked():
                await _family_linked(tx, event)
            case GroupCreated():
                await tx.put(GROUPS, event.group_id, _new_group(event))
            case GroupMembershipChanged():
                await _membership_changed(tx, event)
            case SubstitutionScheduled():
                await _substitution(tx, event)
            case CommunicationRuleGranted():
                fields = {k: v for k, v in _builtins(event).items() if k != "rule_id"}
                await tx.put(RULES, event.rule_id, fields)
                await tx.put(RULE_SETS, event.school_id, {"changed_by": envelope.event_id})
            case CommunicationRuleRevoked():
                await tx.delete(RULES, event.rule_id)
                await tx.put(RULE_SETS, event.school_id, {"changed_by": envelope.event_id})
            case FavouriteSaved():
                await tx.put(
                    FAVOURITES,
                    event.favourite_id,
                    {
                        "owner_id": event.owner_id,
                        "name": event.name,
                        "name_key": event.name.casefold(),
                        "recipients": _builtins(event)["recipients"],
                    },
                )
            case FavouriteDeleted():
                await tx.delete(FAVOURITES, event.favourite_id)


def _builtins(event: DomainEvent) -> dict[str, Any]:
    result: dict[str, Any] = msgspec.to_builtins(event)
    return result


def _details(event: UserRegistered | UserUpdated) -> dict[str, Any]:
    return {
        "first_name": event.first_name,
        "last_name": event.last_name,
        "display_name": display_name(event.first_name, event.last_name),
        "classes": event.classes,
        "subjects": event.subjects,
        "function": event.function,
    }


def _new_user(event: UserRegistered) -> dict[str, Any]:
    return {
        **_details(event),
        "login": event.login,
        "school_id": event.school_id,
        "profile": event.profile,
        "external_id": event.external_id,
        **_name_keys(event.first_name, event.last_name),
        "active": True,
        "frozen": False,
        "member_of": [],
        "teaches": [],
        "main_teacher_of": [],
        "parent_of": [],
        "relatives": [],
        "substitutions": [],
    }


def _new_group(event: GroupCreated) -> dict[str, Any]:
    return {
        "school_id": event.school_id,
        "kind": event.kind,
        "name": event.name,
        "members": [],
        "teachers": [],
        "main_teacher_id": None,
    }


async def _update(tx: DocumentWriter, user_id: str, **changes: Any) -> dict[str, Any] | None:
    doc = await tx.get(USERS, user_id)
    if doc is None:
        return None
    doc.update(changes)
    if "first_name" in changes:
        doc.update(_name_keys(doc["first_name"], doc["last_name"]))
    await tx.put(USERS, user_id, doc)
    return doc


def _added(values: list[str], *new: str) -> list[str]:
    return sorted(set(values) | set(new))


def _removed(values: list[str], *old: str) -> list[str]:
    return sorted(set(values) - set(old))


async def _family_linked(tx: DocumentWriter, event: FamilyLinked) -> None:
    student = await tx.get(USERS, event.student_id)
    parent = await tx.get(USERS, event.parent_id)
    if student is None or parent is None:
        return
    student["relatives"] = _added(student["relatives"], event.parent_id)
    parent["relatives"] = _added(parent["relatives"], event.student_id)
    parent["parent_of"] = _added(parent["parent_of"], *student["member_of"])
    await tx.put(USERS, event.student_id, student)
    await tx.put(USERS, event.parent_id, parent)


async def _membership_changed(tx: DocumentWriter, event: GroupMembershipChanged) -> None:
    g = event.group_id
    group = await tx.get(GROUPS, g)
    if group is None:
        return
    group["members"] = _removed(
        _added(group["members"], *event.members_added), *event.members_removed
    )
    group["teachers"] = _removed(
        _added(group["teachers"], *event.teachers_added), *event.teachers_removed
    )
    previous_main, group["main_teacher_id"] = group["main_teacher_id"], event.main_teacher_id
    await tx.put(GROUPS, g, group)
    touched = [*event.members_added, *event.members_removed]
    users = await tx.get_many(USERS, [*touched, *event.teachers_added, *event.teachers_removed])
    for user_id in event.members_added:
        if user_id in users:
            users[user_id]["member_of"] = _added(users[user_id]["member_of"], g)
    for user_id in event.members_removed:
        if user_id in users:
            users[user_id]["member_of"] = _removed(users[user_id]["member_of"], g)
    for user_id in event.teachers_added:
        if user_id in users:
            users[user_id]["teaches"] = _added(users[user_id]["teaches"], g)
    for user_id in event.teachers_removed:
        if user_id in users:
            users[user_id]["teaches"] = _removed(users[user_id]["teaches"], g)
    await _main_teacher(tx, users, g, previous_main, event.main_teacher_id)
    for user_id, doc in users.items():
        await tx.put(USERS, user_id, doc)
    await _refresh_parents(tx, [users[u] for u in touched if u in users])


async def _main_teacher(
    tx: DocumentWriter, users: dict[str, dict[str, Any]], g: str, old: str | None, new: str | None
) -> None:
    if old == new:
        return
    for user_id, change in ((old, _removed), (new, _added)):
        if user_id is None:
            continue
        if user_id not in users and (doc := await tx.get(USERS, user_id)) is not None:
            users[user_id] = doc
        if user_id in users:
            users[user_id]["main_teacher_of"] = change(users[user_id]["main_teacher_of"], g)


async def _refresh_parents(tx: DocumentWriter, students: list[dict[str, Any]]) -> None:
    """A parent's `parent_of` is the union of their children's groups."""
    parent_ids = sorted({p for s in students for p in s["relatives"]})
    parents = await tx.get_many(USERS, parent_ids)
    children_ids = sorted({c for p in parents.values() for c in p["relatives"]})
    children = await tx.get_many(USERS, children_ids)
    for parent_id, parent in parents.items():
        groups = {g for c in parent["relatives"] if c in children for g in children[c]["member_of"]}
        parent["parent_of"] = sorted(groups)
        await tx.put(USERS, parent_id, parent)


async def _substitution(tx: DocumentWriter, event: SubstitutionScheduled) -> None:
    doc = await tx.get(USERS, event.substitute_id)
    if doc is None:
        return
    period = {
        "id": event.substitution_id,
        "replaced_id": event.replaced_id,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
    }
    doc["substitutions"] = [s for s in doc["substitutions"] if s["id"] != period["id"]] + [period]
    await tx.put(USERS, event.substitute_id, doc)
