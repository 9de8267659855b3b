"""School life's home-page call (`GET /schoollife/home`): the four blocks in one answer,
each as its own route answers it; one failing block fails alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from ent_schoollife.application.grades_consultation import GradesConsultation
from ent_schoollife.application.roster import Roster
from ent_schoollife.application.roster_projection import PEOPLE
from schoollife_fixtures import (
    CLASS_6A,
    HUGO,
    LATIN,
    LEA,
    MATHS,
    PARENT_DOUBLE,
    PARENT_SIMPLE,
    Schoollife,
    schoollife,
)

__all__ = ["schoollife"]
HOME = "/schoollife/home"
FAMILY = "/schoollife/home/children"
OWN_ROUTES = {
    "homework": ("/schoollife/notebook/due-this-week", {}),
    "lessons": ("/schoollife/timetable/day", {}),
    "grades": ("/schoollife/grades/latest", {"limit": 5}),
    "agenda": ("/schoollife/agenda/upcoming", {"days": 7}),
}


async def homework_due_this_week(schoollife: Schoollife) -> str:
    now: datetime = schoollife.runtime.settings.now()  # type: ignore[attr-defined,unused-ignore]
    sunday = now.date() + timedelta(days=6 - now.weekday())
    given = await schoollife.post(
        MATHS,
        "/schoollife/notebook/homework",
        {
            "group_id": CLASS_6A,
            "subject": "Mathématiques",
            "title": "Exercices p. 42",
            "instructions": "Faire les exercices 1 à 4.",
            "due_on": sunday.isoformat(),
        },
    )
    assert given.status_code == 201, given.text
    homework_id: str = given.json()["homework_id"]
    return homework_id


async def test_each_block_is_what_its_own_route_answers(schoollife: Schoollife) -> None:
    homework_id = await homework_due_this_week(schoollife)
    for who, child in ((LEA, {}), (PARENT_DOUBLE, {"student_id": LEA.user_id})):
        home = await schoollife.get(who, HOME, **child)
        assert home.status_code == 200, home.text
        blocks = home.json()
        assert list(blocks) == list(OWN_ROUTES)
        for block, (path, params) in OWN_ROUTES.items():
            own = await schoollife.get(who, path, **params, **child)
            assert own.status_code == 200, own.text
            assert blocks[block] == {"status": 200, "body": own.json()}, block
        assert [h["homework_id"] for h in blocks["homework"]["body"]] == [homework_id]


async def test_only_the_blocks_asked_in_the_pages_order(schoollife: Schoollife) -> None:
    home = await schoollife.get(LEA, HOME, blocks="agenda, homework")
    assert home.status_code == 200, home.text
    assert list(home.json()) == ["homework", "agenda"]


async def test_someone_elses_child_is_refused_as_each_route_refuses(
    schoollife: Schoollife,
) -> None:
    home = await schoollife.get(PARENT_SIMPLE, HOME, student_id=LEA.user_id)
    own = await schoollife.get(PARENT_SIMPLE, OWN_ROUTES["homework"][0], student_id=LEA.user_id)
    assert home.status_code == own.status_code == 404
    assert home.json()["code"] == own.json()["code"]


async def test_an_unknown_block_names_the_field(schoollife: Schoollife) -> None:
    home = await schoollife.get(LEA, HOME, blocks="homework,weather")
    assert home.status_code == 400
    assert home.headers["content-type"].startswith("application/problem+json")
    assert home.json()["errors"][0]["field"] == "blocks"


async def test_a_failing_block_fails_alone(
    schoollife: Schoollife, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug in the grades block")

    monkeypatch.setattr(GradesConsultation, "latest", broken)
    home = await schoollife.get(LEA, HOME)
    assert home.status_code == 200, home.text
    statuses = {block: answer["status"] for block, answer in home.json().items()}
    assert statuses == {"homework": 200, "lessons": 200, "grades": 500, "agenda": 200}
    assert home.json()["grades"]["body"]["code"] == "internal_error"


async def test_a_parents_children_come_each_with_their_blocks_in_one_call(
    schoollife: Schoollife,
) -> None:
    await homework_due_this_week(schoollife)
    family = await schoollife.get(PARENT_DOUBLE, FAMILY, blocks="homework,grades")
    assert family.status_code == 200, family.text
    children = family.json()
    me = (await schoollife.get(PARENT_DOUBLE, "/schoollife/me")).json()
    assert [(c["student_id"], c["display_name"]) for c in children] == [
        (c["user_id"], c["display_name"]) for c in me["children"]
    ]
    assert {c["student_id"] for c in children} == {LEA.user_id, HUGO.user_id}
    for child in children:
        alone = await schoollife.get(
            PARENT_DOUBLE, HOME, student_id=child["student_id"], blocks="homework,grades"
        )
        assert child["blocks"] == alone.json()


async def test_only_a_parent_has_children_here(schoollife: Schoollife) -> None:
    for who in (LEA, MATHS):
        family = await schoollife.get(who, FAMILY)
        assert family.status_code == 200, family.text
        assert family.json() == []
    unknown = await schoollife.get(PARENT_DOUBLE, FAMILY, blocks="weather")
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "blocks"


async def test_the_blocks_read_who_the_viewer_is_once(
    schoollife: Schoollife, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = schoollife.runtime.storage.documents
    people_read: list[str] = []
    get = documents.get

    async def counted(collection: str, doc_id: str) -> Any:
        if collection == PEOPLE:
            people_read.append(doc_id)
        return await get(collection, doc_id)

    monkeypatch.setattr(documents, "get", counted)
    for who, child in ((LEA, {}), (PARENT_DOUBLE, {"student_id": LEA.user_id})):
        people_read.clear()
        home = await schoollife.get(who, HOME, **child)
        assert home.status_code == 200, home.text
        assert all(block["status"] == 200 for block in home.json().values())
        # Each block checks the viewer (and the child followed): each read once a call.
        assert sorted(people_read) == sorted({who.user_id, LEA.user_id})


async def test_a_remembering_roster_hands_each_caller_its_own_list(
    schoollife: Schoollife,
) -> None:
    roster = Roster(schoollife.runtime.storage.documents, remembers=True)
    first = await roster.group_ids_of(HUGO.user_id)
    assert first == [CLASS_6A, LATIN]
    first.clear()
    assert await roster.group_ids_of(HUGO.user_id) == [CLASS_6A, LATIN]
