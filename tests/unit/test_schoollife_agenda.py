"""The agenda: who publishes for which audience, who sees which items (a 5A student does
not see a 6A trip), links checked, changes and withdrawals by the author or the staff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from ent_contracts.schoollife.agenda import AgendaItemContent
from ent_kit.auth import Identity
from ent_kit.errors import Refused
from ent_schoollife.domain.agenda import checked_content, checked_link
from schoollife_fixtures import (
    CLASS_5A,
    CLASS_6A,
    DIRECTION,
    FRENCH,
    HUGO,
    JADE,
    LATIN,
    LATIN_TEACHER,
    LEA,
    MATHS,
    PARENT_DOUBLE,
    PARENT_SIMPLE,
    PARENT_ZOE,
    TOM,
    VIE_SCOLAIRE,
    ZOE,
    Schoollife,
    schoollife,
)

__all__ = ["schoollife"]
BASE = "/schoollife/agenda"
TODAY = datetime.now(UTC).date()


def at(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour).isoformat()


def item(title: str, group_id: str | None = None, days: int = 3, **changes: Any) -> dict[str, Any]:
    day = TODAY + timedelta(days=days)
    body: dict[str, Any] = {
        "title": title,
        "starts_at": at(day, 9),
        "ends_at": at(day, 17),
        "place": "Collège",
        "kind": "other",
        **changes,
    }
    return body if group_id is None else {**body, "group_id": group_id}


async def published(schoollife: Schoollife, who: Identity, body: dict[str, Any]) -> str:
    answer = await schoollife.post(who, f"{BASE}/items", body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["item_id"])


async def titles(schoollife: Schoollife, who: Identity, **params: Any) -> list[str] | int:
    answer = await schoollife.get(who, f"{BASE}/", **params)
    if answer.status_code != 200:
        return int(answer.status_code)
    return [i["title"] for i in answer.json()["items"]]


def test_links_are_absolute_http_urls() -> None:
    assert checked_link("https://visio.example.org/salle/42?pin=1") is not None
    assert checked_link("  ") is None
    for bad in ("javascript:alert(1)", "ftp://x.org/f", "https://", "//x.org", "http://a b.org"):
        with pytest.raises(Refused) as refused:
            checked_link(bad)
        assert refused.value.field == "link"
    start = datetime(2026, 10, 5, 9)
    content = AgendaItemContent(title=" Sortie ", starts_at=start, ends_at=start, kind="trip")
    with pytest.raises(Refused) as refused:
        checked_content(content)
    assert refused.value.field == "ends_at"


async def test_who_publishes_for_which_audience(schoollife: Schoollife) -> None:
    async def status(who: Identity, body: dict[str, Any]) -> tuple[int, str]:
        answer = await schoollife.post(who, f"{BASE}/items", body)
        if answer.status_code == 201:
            return 201, ""
        problem = answer.json()
        code = problem["errors"][0]["field"] if answer.status_code == 400 else problem["code"]
        return answer.status_code, code

    assert await status(DIRECTION, item("Réunion parents-professeurs")) == (201, "")
    assert await status(VIE_SCOLAIRE, item("Photo de classe", CLASS_5A)) == (201, "")
    assert await status(MATHS, item("Sortie au musée", CLASS_6A)) == (201, "")
    assert await status(LATIN_TEACHER, item("Classe virtuelle", LATIN)) == (201, "")
    assert await status(MATHS, item("Pour tous")) == (403, "school_items_staff_only")
    assert await status(FRENCH, item("Sortie", CLASS_5A)) == (403, "not_teaching")
    assert await status(LEA, item("Fête", CLASS_6A)) == (403, "publishers_only")
    assert await status(PARENT_DOUBLE, item("Fête")) == (403, "publishers_only")
    assert await status(DIRECTION, item("Ailleurs", "class-6b")) == (404, "group_not_found")
    virtual = item("Cours en ligne", CLASS_6A, kind="virtual_class", link="javascript:alert(1)")
    assert await status(MATHS, virtual) == (400, "link")
    assert await status(MATHS, {**virtual, "link": "https://visio.example.org/6a"}) == (201, "")
    assert await status(MATHS, item("Sortie", CLASS_6A, kind="party")) == (400, "kind")
    assert await status(MATHS, item("  ", CLASS_6A)) == (400, "title")


async def test_a_class_item_is_seen_by_its_students_and_parents_only(
    schoollife: Schoollife,
) -> None:
    await published(schoollife, DIRECTION, item("Réunion", days=2))
    trip = await published(schoollife, MATHS, item("Sortie 6A", CLASS_6A, days=4, kind="trip"))
    await published(schoollife, LATIN_TEACHER, item("Latin", LATIN, days=5))

    assert await titles(schoollife, LEA) == ["Réunion", "Sortie 6A"]
    assert await titles(schoollife, HUGO) == ["Réunion", "Sortie 6A", "Latin"]
    assert await titles(schoollife, JADE) == ["Réunion", "Latin"]  # 5A: no 6A trip
    assert await titles(schoollife, TOM) == ["Réunion"]
    assert await titles(schoollife, PARENT_DOUBLE, student_id=LEA.user_id) == [
        "Réunion",
        "Sortie 6A",
    ]
    assert await titles(schoollife, PARENT_DOUBLE) == 404  # two children: which one?
    assert await titles(schoollife, PARENT_SIMPLE) == ["Réunion", "Latin"]
    assert await titles(schoollife, PARENT_SIMPLE, student_id=LEA.user_id) == 404
    assert await titles(schoollife, ZOE) == []  # another school
    assert await titles(schoollife, PARENT_ZOE) == []
    assert await titles(schoollife, MATHS) == ["Réunion", "Sortie 6A"]
    assert await titles(schoollife, LATIN_TEACHER) == ["Réunion", "Latin"]
    assert await titles(schoollife, VIE_SCOLAIRE) == ["Réunion", "Sortie 6A", "Latin"]
    assert await titles(schoollife, MATHS, student_id=JADE.user_id) == ["Réunion", "Latin"]

    assert (await schoollife.get(LEA, f"{BASE}/items/{trip}")).status_code == 200
    for outsider in (JADE, PARENT_SIMPLE, LATIN_TEACHER, ZOE):
        assert (await schoollife.get(outsider, f"{BASE}/items/{trip}")).status_code == 404
    assert (await schoollife.get(JADE, f"{BASE}/groups/{CLASS_6A}")).status_code == 404
    group = (await schoollife.get(PARENT_DOUBLE, f"{BASE}/groups/{CLASS_6A}")).json()
    assert [i["title"] for i in group["items"]] == ["Réunion", "Sortie 6A"]
    assert group["items"][1]["group"]["name"] == "6A"
    assert group["items"][1]["published_by"]["display_name"] == "Marc Maths"
    assert group["items"][1]["editable"] is False


async def test_listed_by_period_overlapping_items_included(schoollife: Schoollife) -> None:
    start = TODAY + timedelta(days=10)
    week: dict[str, Any] = {
        "starts_at": at(start - timedelta(days=3), 8),
        "ends_at": at(start + timedelta(days=2), 18),
    }
    await published(schoollife, DIRECTION, item("Séjour au ski", **week, kind="trip"))
    await published(schoollife, DIRECTION, item("Avant", days=5))
    await published(schoollife, DIRECTION, item("Après", days=40))
    period = {"from": start.isoformat(), "to": (start + timedelta(days=7)).isoformat()}
    assert await titles(schoollife, LEA, **period) == ["Séjour au ski"]
    assert await titles(schoollife, LEA) == ["Avant", "Séjour au ski"]  # 30 days from today
    upcoming = (await schoollife.get(LEA, f"{BASE}/upcoming", days=7)).json()
    assert [i["title"] for i in upcoming["items"]] == ["Avant", "Séjour au ski"]
    too_long = {"from": start.isoformat(), "to": (start + timedelta(days=100)).isoformat()}
    answer = await schoollife.get(LEA, f"{BASE}/", **too_long)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "to"


async def test_its_author_or_the_staff_change_or_withdraw_an_item(schoollife: Schoollife) -> None:
    trip = await published(schoollife, MATHS, item("Sortie", CLASS_6A, kind="trip"))
    path = f"{BASE}/items/{trip}"
    changed = item("Sortie au musée d'Orsay", kind="trip", place="Paris")
    answer = await schoollife.put(MATHS, path, changed)
    assert answer.status_code == 200, answer.text
    assert answer.json()["title"] == "Sortie au musée d'Orsay"
    assert answer.json()["group"]["group_id"] == CLASS_6A  # the audience stays
    assert answer.json()["changed_at"] is not None
    assert answer.json()["editable"] is True
    forbidden = await schoollife.put(FRENCH, path, changed)  # she sees it, it is not hers
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "not_yours")
    assert (await schoollife.put(JADE, path, changed)).status_code == 404
    assert (await schoollife.put(MATHS, path, {**changed, "link": "ftp://x"})).status_code == 400
    answer = await schoollife.put(VIE_SCOLAIRE, path, {**changed, "place": "Musée"})
    assert answer.status_code == 200, answer.text
    assert (await schoollife.delete(LEA, path)).status_code == 403
    assert (await schoollife.delete(DIRECTION, path)).status_code == 204
    assert await titles(schoollife, LEA) == []
    assert (await schoollife.get(LEA, path)).status_code == 404
    assert (await schoollife.delete(MATHS, path)).status_code == 404
