"""Sessions that end: the directory raises an account's session version, every service keeps
the versions (`ent_kit.sessions`) and refuses a token issued before the last one."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from ent_contracts import topics
from ent_contracts.directory import SessionsEnded, UserFrozen
from ent_directory.domain.model import User
from ent_directory.service import SERVICE as DIRECTORY
from ent_kit.errors import Refused
from ent_kit.kafka_projection import KafkaProjection
from ent_kit.runtime import Runtime, ServiceDefinition
from ent_kit.sessions import SESSIONS, SessionsProjection, StoredSessions, current_version
from ent_kit.settings import ServiceSettings
from ent_kit.storage import Storage
from ent_locker.service import SERVICE as LOCKER
from kit_fixtures import envelope, storage, user_registered
from opentelemetry.sdk.trace import TracerProvider

__all__ = ["storage"]  # the fixture, imported for pytest


def registered_user(user_id: str = "u1") -> User:
    user = User(user_id)
    user.register(user_registered(user_id))
    user.mark_saved()
    return user


def ended(user: User) -> list[SessionsEnded]:
    return [e for e in user.pending() if isinstance(e, SessionsEnded)]


# --- the directory's account --------------------------------------------------------------


def test_freezing_ends_the_sessions_once() -> None:
    user = registered_user()
    user.freeze("dir-1", "compte détourné")
    user.freeze("dir-1")  # already frozen: nothing new

    assert [type(e) for e in user.pending()] == [UserFrozen, SessionsEnded]
    assert ended(user) == [SessionsEnded(user_id="u1", session_version=1, reason="frozen")]
    user.unfreeze("dir-1")
    assert user.session_version == 1  # unfreezing lets them sign in again: nothing to end


def test_each_way_of_ending_sessions_raises_the_version() -> None:
    user = registered_user()
    user.freeze("dir-1")
    user.unfreeze("dir-1")
    assert user.end_sessions("password_changed") == 2
    assert user.end_sessions("password_reset") == 3
    assert user.end_sessions("signed_out_everywhere") == 4
    assert user.deactivate()

    assert [(e.session_version, e.reason) for e in ended(user)] == [
        (1, "frozen"),
        (2, "password_changed"),
        (3, "password_reset"),
        (4, "signed_out_everywhere"),
        (5, "deactivated"),
    ]
    assert user.session_version == 5


def test_a_departed_account_is_not_ended_twice() -> None:
    user = registered_user()
    assert user.deactivate()
    assert not user.deactivate()
    assert len(ended(user)) == 1


def test_the_version_is_rebuilt_from_the_events() -> None:
    user = registered_user()
    user.freeze("dir-1")
    user.end_sessions("signed_out_everywhere")
    again = User("u1")
    for event in user.pending():
        again.when(event)
    assert again.session_version == 2


def test_an_unknown_account_has_no_sessions_to_end() -> None:
    with pytest.raises(Refused):
        User("nobody").end_sessions("signed_out_everywhere")


# --- the projection and the gate ------------------------------------------------------------


async def test_the_projection_keeps_the_highest_version_of_accounts_that_ended(
    storage: Storage,
) -> None:
    consumer = KafkaProjection(storage, SessionsProjection())
    registration = envelope(user_registered("u2"), "u2", 1)
    await consumer.handle(
        [
            envelope(SessionsEnded(user_id="u1", session_version=2, reason="frozen"), "u1", 3),
            # Seen late (a replay, another partition): never lowers the version.
            envelope(SessionsEnded(user_id="u1", session_version=1, reason="frozen"), "u1", 2),
            registration,
        ]
    )

    assert await current_version(storage.documents, "u1") == 2
    assert await current_version(storage.documents, "u2") == 0
    # Only the accounts whose sessions ended take room.
    assert await storage.documents.existing(SESSIONS, ["u1", "u2"]) == {"u1"}


async def test_the_gate_refuses_a_token_older_than_the_account_version(storage: Storage) -> None:
    consumer = KafkaProjection(storage, SessionsProjection())
    await consumer.handle(
        [envelope(SessionsEnded(user_id="u1", session_version=1, reason="frozen"), "u1", 2)]
    )
    gate = StoredSessions(lambda: storage.documents)

    assert not await gate.is_current("u1", 0)
    assert await gate.is_current("u1", 1)
    # Newer than this store knows (its feed lags): the token is not refused for it.
    assert await gate.is_current("u1", 2)
    assert await gate.is_current("never-ended", 0)
    assert await gate.is_current("service:mail", 0)


async def test_the_gate_reads_the_store_again_once_its_cache_is_stale(storage: Storage) -> None:
    """What another replica applied is seen here once the cached version has aged."""
    now = [100.0]
    gate = StoredSessions(lambda: storage.documents, cache_s=1.0, clock=lambda: now[0])
    assert await gate.is_current("u1", 0)

    consumer = KafkaProjection(storage, SessionsProjection())
    await consumer.handle(
        [envelope(SessionsEnded(user_id="u1", session_version=1, reason="frozen"), "u1", 2)]
    )
    assert await gate.is_current("u1", 0)  # cached: still the version read a moment ago
    now[0] += 1.0
    assert not await gate.is_current("u1", 0)


async def test_the_gate_cache_stays_bounded(storage: Storage) -> None:
    gate = StoredSessions(lambda: storage.documents, max_cached=2)
    for user_id in ("a", "b", "c", "d", "e"):
        await gate.is_current(user_id, 0)
    assert len(gate._cached) <= 2


# --- every service gets it --------------------------------------------------------------------


def test_the_directory_keeps_versions_from_its_own_log() -> None:
    names = [p.name for p in DIRECTORY.local_projections]
    assert "sessions" in names
    assert topics.DIRECTORY not in {s.topic for s in DIRECTORY.subscriptions}


def test_other_services_consume_the_directory_topic_for_them() -> None:
    fed = [s for s in LOCKER.subscriptions if s.projection.name == "sessions"]
    assert [s.topic for s in fed] == [topics.DIRECTORY]
    # Copies of a definition (tests, tools) do not get it twice.
    copy = dataclasses.replace(LOCKER, uses_blobs=False)
    assert [s.projection.name for s in copy.subscriptions].count("sessions") == 1


def test_a_service_without_a_store_has_no_gate(tmp_path: Path) -> None:
    bare = ServiceDefinition(name="bare", uses_storage=False, uses_broker=False)
    assert not bare.keeps_sessions
    settings = ServiceSettings(service_name="bare")
    assert Runtime(bare, settings, TracerProvider()).sessions is None
    stored = ServiceDefinition(name="stored", uses_broker=False, topics=[topics.DIRECTORY])
    url = f"sqlite://{tmp_path}/t.db"
    settings = ServiceSettings(service_name="stored", store_url=url)
    assert Runtime(stored, settings, TracerProvider()).sessions is not None
