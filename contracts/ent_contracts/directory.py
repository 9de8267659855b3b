"""Events of the directory domain (people, groups, communication rules)."""

from __future__ import annotations

from typing import ClassVar, Literal

from ent_contracts import topics
from ent_contracts.envelope import DomainEvent
from ent_contracts.registry import register

Profile = Literal["student", "parent", "teacher", "staff", "guest"]


@register
class UserRegistered(DomainEvent, frozen=True, kw_only=True):
    """A person got an account in a school."""

    event_type: ClassVar[str] = "directory.UserRegistered"
    topic: ClassVar[str] = topics.DIRECTORY

    user_id: str
    school_id: str
    login: str
    first_name: str
    last_name: str
    profile: Profile
    classes: list[str] = []
    function: str | None = None
