"""The school-life copy of who is who: people, families, groups with their members and
teachers, substitutions, kept from the directory's events (never asked on a read)."""

from __future__ import annotations

from ent_contracts import DomainEvent, Envelope
from ent_contracts.directory import (
    FamilyLinked,
    GroupCreated,
    GroupMembershipChanged,
    SubstitutionScheduled,
    UserDeactivated,
    UserRegistered,
    UserUpdated,
    display_name,
)
from ent_kit.storage import DocumentWriter

PEOPLE = "people"
FAMILIES = "families"  # one row per (parent, student)
GROUPS = "groups"
MEMBERS = "members"  # one row per (group, member)
TEACHING = "teaching"  # one row per (group, teacher)
SUBSTITUTIONS = "substitutions"
# One row per school: the id of the last event that changed who is in which of its groups,
# so that what was computed from memberships (a class's groups) is known to still hold.
MEMBERSHIP_VERSIONS = "membership_versions"

ROSTER_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (FAMILIES, ("parent_id",)),
    (FAMILIES, ("student_id",)),
    (MEMBERS, ("group_id",)),
    (MEMBERS, ("member_id",)),
    (TEACHING, ("teacher_id",)),
    (TEACHING, ("group_id",)),
    (SUBSTITUTIONS, ("substitute_id",)),
    (SUBSTITUTIONS, ("school_id",)),
    (GROUPS, ("school_id", "kind", "name")),
    (PEOPLE, ("school_id", "profile", "last_name")),
)


def pair_id(first: str, second: str) -> str:
    return f"{first}:{second}"


class RosterProjection:
    name = "roster"
    collections = (
        PEOPLE,
        FAMILIES,
        GROUPS,
        MEMBERS,
        TEACHING,
        SUBSTITUTIONS,
        MEMBERSHIP_VERSIONS,
    )
    handles = frozenset(
        cls.event_type
        for cls in (
            UserRegistered,
            UserUpdated,
            UserDeactivated,
            FamilyLinked,
            GroupCreated,
            GroupMembershipChanged,
            SubstitutionScheduled,
        )
    )

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case UserRegistered():
                await tx.put(PEOPLE, event.user_id, _person(event))
            case UserUpdated():
                person = await tx.get(PEOPLE, event.user_id) or {}
                await tx.put(PEOPLE, event.user_id, {**person, **_names(event)})
            case UserDeactivated():
                left = await tx.get(PEOPLE, event.user_id)
                if left is not None:
                    await tx.put(PEOPLE, event.user_id, {**left, "active": False})
            case FamilyLinked():
                row = {"parent_id": event.parent_id, "student_id": event.student_id}
                await tx.put(FAMILIES, pair_id(event.parent_id, event.student_id), row)
            case GroupCreated():
                await self._group_created(tx, event)
            case GroupMembershipChanged():
                await self._membership_changed(tx, event)
                group = await tx.get(GROUPS, event.group_id) or {}
                version = {"changed_by": envelope.event_id}
                await tx.put(MEMBERSHIP_VERSIONS, group.get("school_id", ""), version)
            case SubstitutionScheduled():
                await tx.put(
                    SUBSTITUTIONS,
                    event.substitution_id,
                    {
                        "school_id": event.school_id,
                        "substitute_id": event.substitute_id,
                        "replaced_id": event.replaced_id,
                        "starts_on": event.starts_on.isoformat(),
                        "ends_on": event.ends_on.isoformat(),
                    },
                )

    async def _group_created(self, tx: DocumentWriter, event: GroupCreated) -> None:
        group = await tx.get(GROUPS, event.group_id) or {"main_teacher_id": None}
        fields = {"school_id": event.school_id, "kind": event.kind, "name": event.name}
        await tx.put(GROUPS, event.group_id, {**group, **fields})

    async def _membership_changed(self, tx: DocumentWriter, event: GroupMembershipChanged) -> None:
        group_id = event.group_id
        for member in event.members_added:
            await tx.put(
                MEMBERS, pair_id(group_id, member), {"group_id": group_id, "member_id": member}
            )
        for member in event.members_removed:
            await tx.delete(MEMBERS, pair_id(group_id, member))
        for teacher in event.teachers_added:
            row = {"group_id": group_id, "teacher_id": teacher}
            await tx.put(TEACHING, pair_id(group_id, teacher), row)
        for teacher in event.teachers_removed:
            await tx.delete(TEACHING, pair_id(group_id, teacher))
        group = await tx.get(GROUPS, group_id) or {}
        await tx.put(GROUPS, group_id, {**group, "main_teacher_id": event.main_teacher_id})


def _names(event: UserRegistered | UserUpdated) -> dict[str, object]:
    return {
        "display_name": display_name(event.first_name, event.last_name),
        "first_name": event.first_name,
        "last_name": event.last_name,
        "function": event.function,
        "subjects": list(event.subjects),
    }


def _person(event: UserRegistered) -> dict[str, object]:
    return {
        **_names(event),
        "school_id": event.school_id,
        "login": event.login,
        "profile": event.profile,
        "active": True,
    }
