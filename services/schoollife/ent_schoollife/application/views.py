"""What the school-life API answers about people (the shapes other areas reuse)."""

from __future__ import annotations

import msgspec

from ent_schoollife.domain.people import Group, Person


class PersonView(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    display_name: str
    profile: str


class GroupView(msgspec.Struct, frozen=True, kw_only=True):
    group_id: str
    name: str
    kind: str


class ChildView(msgspec.Struct, frozen=True, kw_only=True):
    """One of a parent's children, for the child switch."""

    user_id: str
    display_name: str
    classes: list[GroupView]


class MeView(msgspec.Struct, frozen=True, kw_only=True):
    """Who the caller is to school life: whom they follow and which groups they teach.
    A parent picks a child here and passes its `student_id` to every consultation."""

    user: PersonView
    classes: list[GroupView] = []
    children: list[ChildView] = []
    groups_taught: list[GroupView] = []
    sees_school: bool = False


def person_view(person: Person) -> PersonView:
    return PersonView(
        user_id=person.user_id, display_name=person.display_name, profile=person.profile
    )


def group_view(group: Group) -> GroupView:
    return GroupView(group_id=group.group_id, name=group.name, kind=group.kind)
