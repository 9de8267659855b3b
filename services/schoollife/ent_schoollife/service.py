"""Wiring of the school-life service: the roster from the directory's events, and each
area's commands, queries and projections built from the runtime."""

from __future__ import annotations

from collections.abc import Mapping

from ent_contracts import topics
from ent_kit.runtime import Runtime, ServiceDefinition, Subscription, provide
from litestar.di import Provide

from ent_schoollife.application.people import People
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.roster_projection import ROSTER_INDEXES, RosterProjection
from ent_schoollife.entrypoints.people import PeopleController
from ent_schoollife.settings import SchoollifeSettings


def settings_of(runtime: Runtime) -> SchoollifeSettings:
    assert isinstance(runtime.settings, SchoollifeSettings)
    return runtime.settings


def roster(runtime: Runtime) -> Roster:
    return Roster(runtime.storage.documents)


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    return {
        "roster": provide(lambda: roster(runtime)),
        "people": provide(lambda: People(roster(runtime))),
    }


async def on_start(runtime: Runtime) -> None:
    documents = runtime.storage.documents
    for collection, fields in ROSTER_INDEXES:
        await documents.ensure_index(collection, list(fields))


SERVICE = ServiceDefinition(
    name="schoollife",
    settings_type=SchoollifeSettings,
    controllers=[PeopleController],
    dependencies=dependencies,
    topics=[topics.SCHOOLLIFE],
    local_projections=[],
    subscriptions=[Subscription(topics.DIRECTORY, RosterProjection())],
    on_start=on_start,
    periodic=[],
)
