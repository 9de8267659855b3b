"""The rules every school starts with, as seed 002 lists them ("Les listes de
destinataires"). Staff with the right function can revoke or add rules afterwards."""

from __future__ import annotations

import uuid

from ent_contracts.directory import GroupKind, ListKind, Role

from ent_directory.domain.rules import Rule

_NS = uuid.UUID("0b7c9f43-52a1-4d2e-8f0e-1c6a3e9d7b21")
_Pair = tuple[str, Role, str, Role]


def permission(list_kind: ListKind, s: str, sr: Role, r: str, rr: Role) -> Rule:
    """A rule whose id follows from what it permits: granting it twice grants nothing new."""
    return Rule(str(uuid.uuid5(_NS, f"{list_kind}:{s}:{sr}:{r}:{rr}")), list_kind, s, sr, r, rr)


def _rules(list_kind: ListKind, pairs: list[_Pair]) -> list[Rule]:
    return [permission(list_kind, *pair) for pair in pairs]


def school_rules(school_id: str) -> list[Rule]:
    s = school_id
    administrative: list[_Pair] = [
        (s, "parents", s, "staff"),  # parents ↔ non-teaching staff
        (s, "staff", s, "parents"),
        (s, "staff", s, "staff"),
        (s, "staff", s, "teachers"),
        (s, "teachers", s, "staff"),
        (s, "teachers", s, "teachers"),
    ]
    whole_school: list[_Pair] = [  # management and vie scolaire → whole classes
        (s, function, s, audience)
        for function in ("direction", "vie_scolaire")
        for audience in ("students", "parents")
    ]
    family: list[_Pair] = [(s, "family", s, "family")]  # student ↔ own parents only
    return [
        *_rules("administrative", administrative),
        *_rules("pedagogical", whole_school),
        *_rules("family", family),
    ]


def group_rules(school_id: str, group_id: str, kind: GroupKind) -> list[Rule]:
    g = group_id
    if kind in ("collaborative", "manual"):
        return _rules("collaborative", [(g, "members", g, "members")])
    pairs: list[_Pair] = [
        (g, "students", g, "teachers"),  # student ↔ own teachers
        (g, "teachers", g, "students"),
        (g, "students", g, "students"),  # students who share lessons
        (g, "teachers", g, "parents"),  # teacher → parents (parents may be refused back)
        (g, "parents", g, "teachers"),  # parent → own child's teachers
    ]
    if kind == "class":
        # "Les équipes de direction, de vie scolaire et autres personnels d'établissement
        # qui peuvent contacter tous les membres d'une ou plusieurs classes."
        school_staff: list[_Pair] = [
            (school_id, "staff", g, audience) for audience in ("students", "teachers", "parents")
        ]
        pairs += school_staff
    return _rules("pedagogical", pairs)
