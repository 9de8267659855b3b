"""The home page's composition rules: which blocks a profile sees, per school.

Pure: the setting `ENT_HOME_BLOCKS` is parsed and checked here, and the page's shape decided
(which blocks are the account's, which a followed student's); nothing is fetched."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Block = Literal["messages", "casier", "homework", "lessons", "grades", "agenda"]
BLOCKS: tuple[Block, ...] = ("messages", "casier", "homework", "lessons", "grades", "agenda")

# The account's own blocks (one per page, even for a parent of several children)…
ACCOUNT_BLOCKS: tuple[Block, ...] = ("messages", "casier")
# …and a followed student's (a student's own; for a parent, one set per child).
STUDENT_BLOCKS: tuple[Block, ...] = ("homework", "lessons", "grades", "agenda")

PROFILES = ("student", "parent", "teacher", "staff", "guest")

# What each profile's data allows: a teacher's lessons are their own day and the agenda the
# school's and their groups'; homework and grades are a followed student's, which teachers
# and staff do not have on a home page. A setting naming a block outside this is refused.
ALLOWED: Mapping[str, frozenset[Block]] = {
    "student": frozenset(BLOCKS),
    "parent": frozenset(BLOCKS),
    "teacher": frozenset({"messages", "casier", "lessons", "agenda"}),
    "staff": frozenset({"messages", "casier", "agenda"}),
    "guest": frozenset({"messages", "casier"}),
}

DEFAULT: Mapping[str, tuple[Block, ...]] = {
    "student": BLOCKS,
    "parent": BLOCKS,
    "teacher": ("messages", "casier", "lessons", "agenda"),
    "staff": ("messages", "casier", "agenda"),
    "guest": (),
}


class InvalidHomeBlocks(ValueError):
    """The setting cannot be used: what is wrong, for the start-up error line."""


@dataclass(frozen=True)
class HomeLayout:
    """Blocks per profile, and per school the profiles it sets otherwise."""

    profiles: Mapping[str, tuple[Block, ...]] = field(default_factory=lambda: dict(DEFAULT))
    schools: Mapping[str, Mapping[str, tuple[Block, ...]]] = field(default_factory=dict)

    def blocks_for(self, profile: str, school_id: str = "") -> tuple[Block, ...]:
        """The blocks `profile` sees in `school_id` (its override first), in page order."""
        school = self.schools.get(school_id, {}) if school_id else {}
        chosen = school.get(profile, self.profiles.get(profile, ()))
        return tuple(b for b in BLOCKS if b in chosen)


def parse_layout(raw: str) -> HomeLayout:
    """`ENT_HOME_BLOCKS`: `{"student": [...], "parent": [...], …, "<school_id>": {"teacher":
    [...]}}`. Profiles left out keep the default; a school's entry overrides the profiles it
    names. Empty: the default."""
    if not raw.strip():
        return HomeLayout()
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidHomeBlocks(f"not JSON ({exc.msg})") from None
    if not isinstance(document, dict):
        raise InvalidHomeBlocks("a JSON object is expected")
    profiles = dict(DEFAULT)
    schools: dict[str, dict[str, tuple[Block, ...]]] = {}
    for key, value in document.items():
        if key in PROFILES:
            profiles[key] = _blocks(key, value, where=key)
        elif isinstance(value, dict):
            schools[key] = {
                profile: _blocks(profile, blocks, where=f"{key}.{profile}")
                for profile, blocks in value.items()
                if _known_profile(profile, where=key)
            }
        else:
            raise InvalidHomeBlocks(f"{key}: neither a profile nor a school's object")
    return HomeLayout(profiles, schools)


def _known_profile(profile: str, where: str) -> bool:
    if profile not in PROFILES:
        raise InvalidHomeBlocks(f"{where}: unknown profile {profile!r}")
    return True


def _blocks(profile: str, value: Any, where: str) -> tuple[Block, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidHomeBlocks(f"{where}: a list of block names is expected")
    unknown = [v for v in value if v not in BLOCKS]
    if unknown:
        raise InvalidHomeBlocks(f"{where}: unknown block(s) {', '.join(unknown)}")
    refused = [v for v in value if v not in ALLOWED[profile]]
    if refused:
        raise InvalidHomeBlocks(f"{where}: a {profile} cannot have {', '.join(refused)}")
    return tuple(b for b in BLOCKS if b in value)


@dataclass(frozen=True)
class PagePlan:
    """What one page asks: the account's blocks, and the followed students' blocks (for a
    student, themself; for a parent, each child, or the one switched to)."""

    account: tuple[Block, ...]
    student: tuple[Block, ...]
    per_child: bool  # a parent: the student blocks once per child


def plan(blocks: Sequence[Block], profile: str) -> PagePlan:
    account = tuple(b for b in blocks if b in ACCOUNT_BLOCKS)
    student = tuple(b for b in blocks if b in STUDENT_BLOCKS)
    if profile == "parent":
        return PagePlan(account, student, per_child=True)
    # A student's own, a teacher's own day and agenda: one set, on the page itself.
    return PagePlan(tuple(b for b in BLOCKS if b in blocks), (), per_child=False)
