"""Directory commands on a real SQLite store: one retry loop (`Repository.update`), and the
semantics the import and the seed rely on."""

from __future__ import annotations

import pytest
from ent_contracts import SYSTEM
from ent_contracts.directory import UserUpdated
from ent_directory.application.commands import DirectoryCommands
from ent_kit.errors import NotFound, Refused
from ent_kit.signal import AppendSignal
from ent_kit.storage import Storage
from kit_fixtures import storage, user_registered

__all__ = ["storage"]


@pytest.fixture
def commands(storage: Storage) -> DirectoryCommands:
    return DirectoryCommands(storage.events, AppendSignal())


async def test_register_answers_false_when_the_user_exists(
    commands: DirectoryCommands, storage: Storage
) -> None:
    assert await commands.register(user_registered("u1"), SYSTEM) is True
    before = await storage.events.last_position()
    assert await commands.register(user_registered("u1", profile="teacher"), SYSTEM) is False
    assert await storage.events.last_position() == before  # nothing written


async def test_changing_an_unknown_user_is_not_found(commands: DirectoryCommands) -> None:
    details = UserUpdated(user_id="ghost", first_name="A", last_name="B")
    with pytest.raises(NotFound):
        await commands.update(details, SYSTEM)
    with pytest.raises(NotFound):
        await commands.freeze("ghost", SYSTEM)


async def test_update_and_freeze_answer_what_changed(commands: DirectoryCommands) -> None:
    await commands.register(user_registered("u1"), SYSTEM)
    same = UserUpdated(user_id="u1", first_name="Camille", last_name="Durand")
    assert await commands.update(same, SYSTEM) is False
    assert await commands.update(UserUpdated(user_id="u1", first_name="C", last_name="D"), SYSTEM)
    assert await commands.freeze("u1", SYSTEM) > 0
    assert await commands.freeze("u1", SYSTEM) == 0  # already frozen: nothing saved


async def test_linking_to_an_unknown_student_names_the_student(
    commands: DirectoryCommands,
) -> None:
    await commands.register(user_registered("p1", profile="parent"), SYSTEM)
    with pytest.raises(Refused) as refused:
        await commands.link_family("p1", "nobody", SYSTEM)
    assert (refused.value.field, refused.value.reason) == ("student_id", "unknown")


async def test_create_group_once(commands: DirectoryCommands) -> None:
    assert await commands.create_group("g1", "school-1", "class", "6A", SYSTEM) is True
    assert await commands.create_group("g1", "school-1", "class", "6A", SYSTEM) is False
