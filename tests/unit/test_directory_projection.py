"""The directory's read model of people: the display name is the platform's one spelling,
and a rename refreshes it together with the case-folded keys search ranges over."""

from __future__ import annotations

from ent_contracts import SYSTEM, DomainEvent
from ent_contracts.directory import UserRegistered, UserUpdated, display_name
from ent_directory.application.projections import USERS, DirectoryProjection
from ent_kit.repository import envelope_for
from ent_kit.storage import Query, Range, Storage
from kit_fixtures import storage

__all__ = ["storage"]

SCHOOL = "school-1"


async def apply(storage: Storage, *events: DomainEvent) -> None:
    projection = DirectoryProjection()
    async with storage.documents.transaction() as tx:
        for version, event in enumerate(events, start=1):
            await projection.apply(tx, envelope_for(event, "u1", version, SYSTEM), event)


async def found_by_prefix(storage: Storage, field: str, prefix: str) -> list[str]:
    query = Query(
        where={"school_id": SCHOOL},
        ranges={field: Range(gte=prefix, lt=prefix + "\uffff")},
        limit=10,
    )
    return [d["id"] for d in (await storage.documents.find(USERS, query)).items]


async def test_user_updated_refreshes_display_name_and_name_keys(storage: Storage) -> None:
    registered = UserRegistered(
        user_id="u1",
        school_id=SCHOOL,
        login="chloe.legall",
        first_name="Chloé",
        last_name="Le Gall",
        profile="student",
        classes=["6A"],
    )
    await apply(storage, registered)
    doc = await storage.documents.get(USERS, "u1")
    assert doc is not None
    assert doc["display_name"] == display_name("Chloé", "Le Gall") == "Chloé Le Gall"
    assert (doc["first_key"], doc["last_key"]) == ("chloé", "le gall")

    renamed = UserUpdated(user_id="u1", first_name="Zoé", last_name="Martin", classes=["6A"])
    await apply(storage, registered, renamed)
    doc = await storage.documents.get(USERS, "u1")
    assert doc is not None
    assert doc["display_name"] == display_name("Zoé", "Martin")
    assert (doc["first_key"], doc["last_key"]) == ("zoé", "martin")
    assert await found_by_prefix(storage, "last_key", "mar") == ["u1"]
    assert await found_by_prefix(storage, "last_key", "le g") == []
    assert await found_by_prefix(storage, "first_key", "zo") == ["u1"]
