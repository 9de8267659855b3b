"""Fill the demo collège's school life once the directory's demo school has reached the
roster: each area seeds its part (idempotently), then the school is marked seeded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from ent_kit.logging import get_logger
from ent_kit.storage import DocumentStore, Query, find_all

from ent_schoollife.application.roster import Roster
from ent_schoollife.application.roster_projection import MEMBERS, SUBSTITUTIONS

DEMO_SEEDS = "demo_seeds"  # one row per school seeded
log = get_logger("ent.schoollife.demo")

# One area's part: (school id, today) → done.
AreaSeed = Callable[[str, date], Awaitable[None]]


class DemoSeed:
    def __init__(self, documents: DocumentStore, areas: Sequence[tuple[str, AreaSeed]]) -> None:
        self._documents = documents
        self._areas = areas

    async def run(self, today: date) -> int:
        """Seed every ready school not seeded yet; how many were."""
        seeded = 0
        for school_id in await self._ready_schools():
            if await self._documents.get(DEMO_SEEDS, school_id) is not None:
                continue
            for name, seed in self._areas:
                await seed(school_id, today)
                log.info("demo school life seeded", area=name, school_id=school_id)
            async with self._documents.transaction() as tx:
                await tx.put(DEMO_SEEDS, school_id, {"seeded_on": today.isoformat()})
            seeded += 1
        return seeded

    async def _ready_schools(self) -> list[str]:
        """Schools whose substitution (the directory's demo seed writes it last) and
        classes with students have arrived. The demo only: these few rows are read whole."""
        query = Query(limit=1000)
        schools = {
            doc["school_id"] async for doc in find_all(self._documents, SUBSTITUTIONS, query)
        }
        ready = []
        for school_id in sorted(schools):
            classes = await Roster(self._documents).classes_of_school(school_id)
            if not classes:
                continue
            members = Query(where={"group_id": classes[0].group_id}, limit=1)
            if (await self._documents.find(MEMBERS, members)).items:
                ready.append(school_id)
        return ready
