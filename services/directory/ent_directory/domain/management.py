"""Who manages a school: its direction. Pure rules over plain values; the application reads
the people from the read model and says no (`Forbidden`, `NotFound`) when these do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Member:
    """What the management rules need to know about someone of the directory."""

    user_id: str
    school_id: str
    profile: str
    function: str | None = None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Member:
        """From a user document of the read model."""
        return cls(doc["id"], doc["school_id"], doc["profile"], doc.get("function"))


def is_direction(member: Member) -> bool:
    """The school's management: a staff member whose function is direction."""
    return member.profile == "staff" and member.function == "direction"


def manages_school(member: Member, school_id: str) -> bool:
    """The direction of a school manages it (its rules, its imports), and no other."""
    return is_direction(member) and member.school_id == school_id


def manages_user(manager: Member, target: Member) -> bool:
    """The direction manages the accounts of its own school (freeze, unfreeze)."""
    return manages_school(manager, target.school_id)
