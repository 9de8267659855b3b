"""Wiring of the school-life service: the roster from the directory's events, then each
area (`ent_schoollife.wiring`) the same way: controllers, projections, indexes,
dependencies, demo seed."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from ent_contracts import topics
from ent_kit.runtime import Periodic, Runtime, ServiceDefinition, Subscription, provide
from litestar.di import Provide

from ent_schoollife.application.demo import DemoSeed
from ent_schoollife.application.home_blocks import HomeBlocks
from ent_schoollife.application.people import People
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.roster_projection import ROSTER_INDEXES, RosterProjection
from ent_schoollife.entrypoints.home import HomeController
from ent_schoollife.entrypoints.people import PeopleController
from ent_schoollife.settings import SchoollifeSettings
from ent_schoollife.wiring import AREAS, grades, notebook, timetable, vie_scolaire
from ent_schoollife.wiring.clock import settings_of, today

# A seeded school is looked for this often until the directory's demo school has arrived.
DEMO_SEED_INTERVAL_S = 3.0


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    provided = {
        "roster": provide(lambda: Roster(runtime.storage.documents)),
        "people": provide(
            lambda: People(Roster(runtime.storage.documents), lambda: today(runtime))
        ),
    }
    for area in AREAS:
        provided.update(area.dependencies(runtime))
    provided["home_blocks"] = provide(lambda: home_blocks(runtime))
    return provided


def home_blocks(runtime: Runtime) -> HomeBlocks:
    # Built for one request: its blocks share a roster that reads each fact once (each
    # block checks who the viewer is and whom they follow).
    roster = Roster(runtime.storage.documents, remembers=True)
    return HomeBlocks(
        notebook.queries(runtime, roster),
        timetable.queries(runtime, roster),
        grades.consultation(runtime, roster),
        vie_scolaire.agenda_queries(runtime, roster),
        roster,
    )


async def on_start(runtime: Runtime) -> None:
    documents = runtime.storage.documents
    indexes = [*ROSTER_INDEXES, *(index for area in AREAS for index in area.INDEXES)]
    for collection, fields in indexes:
        await documents.ensure_index(collection, list(fields))


async def seed_demo(runtime: Runtime) -> int:
    if not settings_of(runtime).demo_seed:
        return 0
    areas = [(area.__name__, partial(area.seed_demo, runtime)) for area in AREAS]
    return await DemoSeed(runtime.storage.documents, areas).run(today(runtime))


def _demo_interval(runtime: Runtime) -> float:
    return DEMO_SEED_INTERVAL_S if settings_of(runtime).demo_seed else 86400.0


SERVICE = ServiceDefinition(
    name="schoollife",
    settings_type=SchoollifeSettings,
    controllers=[
        PeopleController,
        HomeController,
        *(c for area in AREAS for c in area.CONTROLLERS),
    ],
    dependencies=dependencies,
    topics=[topics.SCHOOLLIFE],
    local_projections=[p for area in AREAS for p in area.PROJECTIONS],
    subscriptions=[Subscription(topics.DIRECTORY, RosterProjection())],
    on_start=on_start,
    periodic=[Periodic("demo-seed", seed_demo, _demo_interval)],
)
