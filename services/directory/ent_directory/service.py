"""Wiring of the directory service: commands and queries built from the runtime, given to
the controllers as dependencies."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from ent_contracts import topics
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.runtime import Periodic, Runtime, ServiceDefinition, Subscription, provide
from ent_kit.sessions import PROJECTION_NAME as SESSIONS_PROJECTION
from litestar.di import Provide

from ent_directory.application.administration import Administration
from ent_directory.application.auto_freeze import (
    LOCKER_HITS,
    LOCKER_LIMIT_HITS,
    MAIL_HITS,
    MAIL_LIMIT_HITS,
    RUN_INTERVAL_S,
    AutoFreeze,
)
from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.credentials import Credentials, PasswordHashing
from ent_directory.application.demo import seed_demo_school
from ent_directory.application.devices import DEVICES, DevicesProjection
from ent_directory.application.favourites import FavouriteCommands
from ent_directory.application.management import Management
from ent_directory.application.pairing import PAIRING_CODES, PURGE_INTERVAL_S, Pairing
from ent_directory.application.passwords import RESETS, Passwords
from ent_directory.application.projections import (
    FAVOURITES,
    GROUPS,
    RULES,
    USERS,
    DirectoryProjection,
)
from ent_directory.application.queries import DirectoryQueries
from ent_directory.application.reachability import ReachabilityService
from ent_directory.application.school_rules import SchoolRules
from ent_directory.domain.demo_school import DEMO_PASSWORD, demo_users
from ent_directory.domain.devices import Device
from ent_directory.domain.model import Favourite
from ent_directory.entrypoints.favourites import FavouritesController
from ent_directory.entrypoints.imports import ImportController
from ent_directory.entrypoints.internal import InternalController
from ent_directory.entrypoints.pairing import PairingController, PairingInternalController
from ent_directory.entrypoints.passwords import (
    REDEEM_PATH,
    PasswordResetController,
    PasswordsController,
)
from ent_directory.entrypoints.people import PeopleController, ReachabilityController
from ent_directory.entrypoints.rules import RulesController
from ent_directory.settings import DirectorySettings

PROJECTION = DirectoryProjection()
DEVICES_PROJECTION = DevicesProjection()
SEED_TIMEOUT_S = 60.0
_HASHING: weakref.WeakKeyDictionary[Runtime, PasswordHashing] = weakref.WeakKeyDictionary()
_SCHOOL_RULES: weakref.WeakKeyDictionary[Runtime, SchoolRules] = weakref.WeakKeyDictionary()


def projector(runtime: Runtime) -> LocalProjector:
    return runtime.projectors[PROJECTION.name]


def hashing(runtime: Runtime) -> PasswordHashing:
    """One bounded argon2 pool per process, shared by every request (see credentials)."""
    if runtime not in _HASHING:
        settings = runtime.settings
        assert isinstance(settings, DirectorySettings)
        hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        pool = PasswordHashing(hasher, workers=settings.password_hash_workers)
        runtime.close_on_stop(pool.close)
        _HASHING[runtime] = pool
    return _HASHING[runtime]


def credentials(runtime: Runtime) -> Credentials:
    return Credentials(runtime.storage.documents, hashing(runtime))


def commands(runtime: Runtime) -> DirectoryCommands:
    return DirectoryCommands(runtime.storage.events, runtime.signal)


def reachability(runtime: Runtime) -> ReachabilityService:
    """Built per request; the schools' rules it keeps, once per process."""
    if runtime not in _SCHOOL_RULES:
        _SCHOOL_RULES[runtime] = SchoolRules()
    return ReachabilityService(runtime.storage.documents, _SCHOOL_RULES[runtime])


def queries(runtime: Runtime) -> DirectoryQueries:
    people = reachability(runtime)
    return DirectoryQueries(runtime.storage.documents, people, Management(people))


def sessions_projector(runtime: Runtime) -> LocalProjector:
    """The session versions of this service's token check (`ent_kit.sessions`), kept from
    the directory's own log (the kit adds it to the local projections)."""
    return runtime.projectors[SESSIONS_PROJECTION]


def administration(runtime: Runtime) -> Administration:
    storage = runtime.storage
    return Administration(
        commands(runtime),
        Management(reachability(runtime)),
        storage.documents,
        storage.events,
        projector(runtime),
        sessions_projector(runtime),
        runtime.sessions,
    )


def passwords(
    runtime: Runtime, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Passwords:
    settings = runtime.settings
    assert isinstance(settings, DirectorySettings)
    return Passwords(
        credentials(runtime),
        commands(runtime),
        Management(reachability(runtime)),
        runtime.storage.documents,
        sessions_projector(runtime),
        gate=runtime.sessions,
        reset_ttl=timedelta(seconds=settings.password_reset_ttl_s),
        clock=clock,
    )


def pairing(runtime: Runtime, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Pairing:
    settings = runtime.settings
    assert isinstance(settings, DirectorySettings)
    return Pairing(
        runtime.storage.documents,
        Repository(runtime.storage.events, Device, runtime.signal),
        runtime.projectors[DEVICES_PROJECTION.name],
        code_ttl=timedelta(seconds=settings.pairing_code_ttl_s),
        clock=clock,
    )


async def purge_pairing_codes(runtime: Runtime) -> int:
    return await pairing(runtime).purge_expired()


async def auto_freeze(runtime: Runtime) -> int:
    """Freeze the accounts that keep hitting the send limits (ENT_AUTO_FREEZE_*)."""
    settings = runtime.settings
    assert isinstance(settings, DirectorySettings)
    job = AutoFreeze(
        runtime.storage.documents, commands(runtime), settings.auto_freeze_after_limit_hits
    )
    return await job.run_once(datetime.now(UTC))


def favourites(runtime: Runtime) -> FavouriteCommands:
    repository = Repository(runtime.storage.events, Favourite, runtime.signal)
    return FavouriteCommands(repository, projector(runtime))


async def on_start(runtime: Runtime) -> None:
    documents = runtime.storage.documents
    await documents.ensure_index(USERS, ["login"])
    await documents.ensure_index(USERS, ["school_id", "first_key"])
    await documents.ensure_index(USERS, ["school_id", "last_key"])
    await documents.ensure_index(USERS, ["school_id", "active", "profile"])
    await documents.ensure_index(RULES, ["school_id"])
    await documents.ensure_index(GROUPS, ["school_id"])
    await documents.ensure_index(FAVOURITES, ["owner_id", "name_key"])
    await documents.ensure_index(RESETS, ["user_id"])
    await documents.ensure_index(PAIRING_CODES, ["user_id"])
    await documents.ensure_index(PAIRING_CODES, ["expires_at"])
    await documents.ensure_index(DEVICES, ["user_id", "paired_at"])
    await documents.ensure_index(MAIL_HITS, ["last_at"])
    await documents.ensure_index(LOCKER_HITS, ["last_at"])
    settings = runtime.settings
    if isinstance(settings, DirectorySettings) and settings.demo_seed:
        await seed_demo_school(commands(runtime), datetime.now(UTC).date())
        # Only accounts without a password: a restart never resets one (a director's, say)
        # that was changed since, to the public demo password.
        demo_ids = [u.user_id for u in demo_users()]
        await credentials(runtime).set_missing_passwords(demo_ids, DEMO_PASSWORD)
        last = await runtime.storage.events.last_position()
        await projector(runtime).caught_up(last, timeout=SEED_TIMEOUT_S)


def dependencies(runtime: Runtime) -> Mapping[str, Provide]:
    """What the controllers take, by parameter name, built per request."""
    return {
        "queries": provide(lambda: queries(runtime)),
        "reachability": provide(lambda: reachability(runtime)),
        "administration": provide(lambda: administration(runtime)),
        "favourites": provide(lambda: favourites(runtime)),
        "credentials": provide(lambda: credentials(runtime)),
        "passwords": provide(lambda: passwords(runtime)),
        "pairing": provide(lambda: pairing(runtime)),
    }


SERVICE = ServiceDefinition(
    name="directory",
    settings_type=DirectorySettings,
    controllers=[
        PeopleController,
        ReachabilityController,
        RulesController,
        ImportController,
        FavouritesController,
        InternalController,
        PasswordsController,
        PasswordResetController,
        PairingController,
        PairingInternalController,
    ],
    dependencies=dependencies,
    topics=[topics.DIRECTORY],
    local_projections=[PROJECTION, DEVICES_PROJECTION],
    # Limit hits of the sending services, counted to freeze repeated offenders.
    subscriptions=[
        Subscription(topics.MAIL, MAIL_LIMIT_HITS),
        Subscription(topics.LOCKER, LOCKER_LIMIT_HITS),
    ],
    periodic=[
        Periodic("auto-freeze", auto_freeze, lambda _: RUN_INTERVAL_S),
        Periodic("pairing-codes", purge_pairing_codes, lambda _: PURGE_INTERVAL_S),
    ],
    on_start=on_start,
    public_paths=[REDEEM_PATH],
)
