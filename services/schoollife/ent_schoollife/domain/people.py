"""Who is who in a school, as school life needs it, and who may see or teach whom. Pure:
the facts come from the roster (the directory's events); these rules decide on them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# Staff functions that see every student of their school (the directory's `function`).
SCHOOL_WIDE_FUNCTIONS = frozenset({"direction", "vie_scolaire"})


@dataclass(frozen=True, kw_only=True)
class Person:
    user_id: str
    school_id: str
    profile: str  # student, parent, teacher, staff, guest
    display_name: str
    first_name: str = ""
    last_name: str = ""
    function: str | None = None
    subjects: tuple[str, ...] = ()
    active: bool = True

    @property
    def sees_school(self) -> bool:
        """Direction and vie scolaire see (and record for) every student of the school."""
        return self.profile == "staff" and self.function in SCHOOL_WIDE_FUNCTIONS

    @property
    def is_direction(self) -> bool:
        return self.profile == "staff" and self.function == "direction"

    @property
    def is_vie_scolaire(self) -> bool:
        return self.profile == "staff" and self.function == "vie_scolaire"


@dataclass(frozen=True, kw_only=True)
class Group:
    """A class or a teaching group (collaborative spaces and manual groups have no lessons,
    but are kept: a lesson may be given to any group the directory knows)."""

    group_id: str
    school_id: str
    kind: str  # class, teaching, collaborative, manual
    name: str
    teacher_ids: frozenset[str] = frozenset()
    main_teacher_id: str | None = None

    @property
    def is_class(self) -> bool:
        return self.kind == "class"


@dataclass(frozen=True, kw_only=True)
class Substitution:
    """The substitute takes the replaced teacher's groups, both days included."""

    substitute_id: str
    replaced_id: str
    starts_on: date
    ends_on: date

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def teaches(teacher_id: str, group: Group, substitutions: Iterable[Substitution], on: date) -> bool:
    """The group's own teachers, and whoever replaces one of them on that day."""
    if teacher_id in group.teacher_ids:
        return True
    return any(
        s.substitute_id == teacher_id and s.replaced_id in group.teacher_ids and s.covers(on)
        for s in substitutions
    )
