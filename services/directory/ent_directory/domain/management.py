"""Who manages a school: its direction. Pure rules over the directory's `Person`; the
application reads the people from the read model and says no (`Forbidden`, `NotFound`)
when these do."""

from __future__ import annotations

from ent_directory.domain.rules import Person, has_function


def is_direction(person: Person) -> bool:
    """The school's management: a staff member whose function is direction."""
    return has_function(person, "direction")


def manages_school(person: Person, school_id: str) -> bool:
    """The direction of a school manages it (its rules, its imports), and no other."""
    return is_direction(person) and person.school_id == school_id


def manages_user(manager: Person, target: Person) -> bool:
    """The direction manages the accounts of its own school (freeze, unfreeze)."""
    return manages_school(manager, target.school_id)
