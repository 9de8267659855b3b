"""A school's rules are kept in memory while the stamp the projection writes with them
stays the same: a grant or a revocation is seen by the very next check."""

from __future__ import annotations

import gc
from typing import Any

from ent_contracts.directory import CommunicationRuleGranted, CommunicationRuleRevoked
from ent_directory.application.projections import RULES, DirectoryProjection
from ent_directory.application.school_rules import SchoolRules
from ent_kit.storage import DocumentReader, Page, Query, Storage
from kit_fixtures import envelope, storage

__all__ = ["storage"]  # fixture, imported so pytest finds it here


class CountingFinds:
    """The store's reader, counting the queries (reading rules is one)."""

    def __init__(self, reader: DocumentReader) -> None:
        self._reader = reader
        self.finds = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)

    async def find(self, collection: str, query: Query) -> Page:
        self.finds += 1
        return await self._reader.find(collection, query)


def granted(rule_id: str, school_id: str = "school-a") -> CommunicationRuleGranted:
    return CommunicationRuleGranted(
        rule_id=rule_id,
        school_id=school_id,
        list_kind="pedagogical",
        sender_scope="6A",
        sender_role="teachers",
        recipient_scope="6A",
        recipient_role="students",
    )


async def project(
    storage: Storage, *events: CommunicationRuleGranted | CommunicationRuleRevoked
) -> None:
    projection = DirectoryProjection()
    async with storage.documents.transaction() as tx:
        for event in events:
            await projection.apply(tx, envelope(event, event.school_id, 1), event)


async def rule_ids(
    rules: SchoolRules, reader: DocumentReader, school_id: str = "school-a"
) -> list[str]:
    return sorted(r.rule_id for r in await rules.of(reader, school_id))


async def test_rules_are_read_again_only_once_a_grant_or_revocation_moved_the_stamp(
    storage: Storage,
) -> None:
    await project(storage, granted("r1"), granted("r2"))
    reader = CountingFinds(storage.documents)
    rules = SchoolRules()

    first = await rule_ids(rules, reader)
    again = await rule_ids(rules, reader)
    finds_while_unchanged = reader.finds
    await project(storage, granted("r3"))
    after_grant = await rule_ids(rules, reader)
    await project(storage, CommunicationRuleRevoked(rule_id="r1", school_id="school-a"))
    after_revocation = await rule_ids(rules, reader)

    assert first == again == ["r1", "r2"]
    assert finds_while_unchanged == 1
    assert after_grant == ["r1", "r2", "r3"]
    assert after_revocation == ["r2", "r3"]
    assert reader.finds == 3


async def test_each_school_has_its_own_stamp_and_the_kept_schools_are_bounded(
    storage: Storage,
) -> None:
    await project(storage, granted("a1"), granted("b1", "school-b"), granted("c1", "school-c"))
    reader = CountingFinds(storage.documents)
    rules = SchoolRules(kept_schools=2)

    seen = [await rule_ids(rules, reader, s) for s in ("school-a", "school-b", "school-c")]
    await project(storage, granted("b2", "school-b"))
    seen += [await rule_ids(rules, reader, s) for s in ("school-c", "school-b", "school-a")]

    assert seen == [["a1"], ["b1"], ["c1"], ["c1"], ["b1", "b2"], ["a1"]]
    assert reader.finds == 5  # school-c kept; school-b changed; school-a made room


async def test_rules_without_a_stamp_are_read_every_time(storage: Storage) -> None:
    """A store projected before the stamps existed: correct, only not kept."""
    rule = {"school_id": "school-a", "list_kind": "pedagogical", "sender_scope": "6A"}
    rule |= {"sender_role": "teachers", "recipient_scope": "6A", "recipient_role": "students"}
    async with storage.documents.transaction() as tx:
        await tx.put(RULES, "old", rule)
    reader = CountingFinds(storage.documents)
    rules = SchoolRules()

    assert await rule_ids(rules, reader) == await rule_ids(rules, reader) == ["old"]
    assert reader.finds == 2


async def test_kept_rules_are_left_out_of_the_cyclic_collectors_rounds(storage: Storage) -> None:
    """Tens of thousands of rules stay in memory; tracked, each full collection went
    through them all again (40-60 ms pauses about every second under checks)."""
    await project(storage, granted("r1"), granted("r2"))
    kept = await SchoolRules().of(storage.documents, "school-a")

    assert [r.rule_id for r in kept] == ["r1", "r2"]
    assert not any(gc.is_tracked(rule) for rule in kept)
