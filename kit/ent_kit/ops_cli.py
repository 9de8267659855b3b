"""`python -m ent_<service> <command>`: the operator's commands on a service's read models.

    parked [--projection P]          list the events set aside after repeated failures
    retry-parked [--projection P]    apply them again (after fixing the cause)
    rebuild [--projection P]         rebuild local projections from the service's log
    replay --projection P            apply a consumed topic again, from its beginning

The service's settings (ENT_STORE_URL, ENT_KAFKA_BOOTSTRAP…) say where its store and
broker are, as for the service itself.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from tqdm import tqdm

from ent_kit.operations import ServiceRunning, exclusive, rebuild, replay, retry_parked
from ent_kit.parking import parked_events
from ent_kit.projections import Projection
from ent_kit.runtime import ServiceDefinition
from ent_kit.settings import ServiceSettings
from ent_kit.storage import Storage, open_storage

COMMANDS = ("parked", "retry-parked", "rebuild", "replay")


def parse(definition: ServiceDefinition, argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=f"python -m ent_{definition.name}", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        command = commands.add_parser(name)
        command.add_argument("--projection", help="one projection (default: all that apply)")
        command.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(definition: ServiceDefinition, settings: ServiceSettings, argv: Sequence[str]) -> int:
    args = parse(definition, argv)
    try:
        return asyncio.run(_run(definition, settings, args))
    except (ServiceRunning, ValueError) as refused:
        print(f"refused: {refused}")
        return 2


async def _run(d: ServiceDefinition, s: ServiceSettings, args: argparse.Namespace) -> int:
    storage = await open_storage(s.store_url, service_name=d.name)
    try:
        match args.command:
            case "parked":
                return await _list_parked(storage, args.projection)
            case "retry-parked":
                return await _retry(storage, d, args.projection)
            case "rebuild":
                return await _rebuild(storage, d, s, args)
            case _:
                return await _replay(storage, d, s, args)
    finally:
        await storage.close()


async def _list_parked(storage: Storage, projection: str | None) -> int:
    count = 0
    async for parked in parked_events(storage.documents, projection):
        count += 1
        print(
            f"{parked.parked_at:%Y-%m-%d %H:%M:%S} {parked.projection} {parked.type}"
            f" {parked.event_id} from {parked.source}: {parked.error}"
        )
    print(f"{count} parked event(s)")
    return 0


def _all_projections(d: ServiceDefinition) -> list[Projection]:
    return [*d.local_projections, *(sub.projection for sub in d.subscriptions)]


async def _retry(storage: Storage, d: ServiceDefinition, projection: str | None) -> int:
    outcome = await retry_parked(storage, _all_projections(d), projection)
    print(f"{len(outcome.applied)} applied, {len(outcome.failed)} still failing")
    for parked in outcome.failed:
        print(f"  {parked.projection} {parked.event_id}: {parked.error}")
    return 1 if outcome.failed else 0


def _chosen(candidates: Sequence[Projection], name: str | None, what: str) -> list[Projection]:
    chosen = [p for p in candidates if name in (None, p.name)]
    if not chosen:
        known = ", ".join(p.name for p in candidates) or "none"
        raise ValueError(f"no {what} named {name!r} (known: {known})")
    return chosen


async def _rebuild(
    storage: Storage, d: ServiceDefinition, s: ServiceSettings, args: argparse.Namespace
) -> int:
    projections = _chosen(d.local_projections, args.projection, "local projection")
    async with exclusive(storage, s.lease_ttl_s) as lease:
        for projection in projections:
            with _bar(projection.name, args.no_progress) as progress:
                last = await rebuild(storage, projection, lease, progress)
            print(f"{projection.name}: rebuilt from {last} event(s)")
    return 0


async def _replay(
    storage: Storage, d: ServiceDefinition, s: ServiceSettings, args: argparse.Namespace
) -> int:
    if args.projection is None:
        raise ValueError("replay needs --projection")
    by_name = {sub.projection.name: sub for sub in d.subscriptions}
    sub = by_name.get(args.projection)
    if sub is None:
        raise ValueError(f"no consumed projection named {args.projection!r} ({sorted(by_name)})")
    async with exclusive(storage, s.lease_ttl_s):
        with _bar(sub.projection.name, args.no_progress) as progress:
            done = await replay(
                storage,
                sub.projection,
                bootstrap=s.kafka_bootstrap,
                topic=sub.topic,
                progress=progress,
            )
    print(f"{sub.projection.name}: {done.records} record(s) replayed, {done.applied} applied")
    return 0


@contextmanager
def _bar(name: str, disabled: bool) -> Iterator[Callable[[int, int], None]]:
    with tqdm(desc=name, unit="event", disable=disabled) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield progress
