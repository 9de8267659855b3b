"""A school's communication rules, kept in memory while they stay the same.

Every reachability check needs its sender's school's rules (hundreds: the school's and
each class's), and reading and converting them was a sixth of the directory's event loop
under concurrent checks. The projection stamps a school's rule set with the id of the
event that last changed it (`RULE_SETS`); a check reads that one small document and
reads the rules again only when the stamp moved. Replicas each keep their own copy and
all read the same stamp.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from ent_kit.storage import DocumentReader, Query, find_all

from ent_directory.application.projections import READ_PAGE, RULE_SETS, RULES
from ent_directory.domain.rules import Rule

# Schools whose rules a process keeps (a few hundred rules each).
KEPT_SCHOOLS = 512


class SchoolRules:
    def __init__(self, kept_schools: int = KEPT_SCHOOLS) -> None:
        self._kept_schools = kept_schools
        self._kept: OrderedDict[str, tuple[str, tuple[Rule, ...]]] = OrderedDict()

    async def of(self, reader: DocumentReader, school_id: str) -> list[Rule]:
        # The stamp first: rules changed after it was read are at worst read again.
        stamp = await reader.get(RULE_SETS, school_id)
        changed_by = str(stamp["changed_by"]) if stamp else None
        kept = self._kept.get(school_id)
        if kept is not None and kept[0] == changed_by:
            self._kept.move_to_end(school_id)
            return list(kept[1])
        rules = await read_rules(reader, school_id)
        if changed_by is not None:  # unstamped (a store projected before stamps): not kept
            self._kept[school_id] = (changed_by, tuple(rules))
            self._kept.move_to_end(school_id)
            while len(self._kept) > self._kept_schools:
                self._kept.popitem(last=False)
        return rules


async def read_rules(reader: DocumentReader, school_id: str) -> list[Rule]:
    query = Query(where={"school_id": school_id}, limit=READ_PAGE)
    return [_rule(d) async for d in find_all(reader, RULES, query)]


def _rule(d: dict[str, Any]) -> Rule:
    return Rule(
        d["id"],
        d["list_kind"],
        d["sender_scope"],
        d["sender_role"],
        d["recipient_scope"],
        d["recipient_role"],
    )
