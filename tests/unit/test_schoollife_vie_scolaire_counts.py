"""Counts per term of a student's absences (half-days computed by hand), late arrivals and
punishments; the vie scolaire's paged list of justifications to decide."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ent_kit.auth import Identity
from ent_schoollife.domain.attendance import AbsenceSpan, counts, half_days
from schoollife_fixtures import (
    CLASS_5A,
    JADE,
    LEA,
    MATHS,
    PARENT_DOUBLE,
    PARENT_SIMPLE,
    VIE_SCOLAIRE,
    Schoollife,
    schoollife,
)
from vie_scolaire_fixtures import MONDAY, T1, T2, YEAR, at

__all__ = ["schoollife"]
BASE = "/schoollife/vie-scolaire"


def test_half_days_by_hand() -> None:
    monday = date(2026, 10, 5)

    def on(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 10, 5 + day, hour, minute)

    assert half_days(on(0, 8), on(0, 10)) == {(monday, "am")}
    assert half_days(on(0, 8), on(0, 12)) == {(monday, "am")}  # the end excluded
    assert half_days(on(0, 12), on(0, 13)) == {(monday, "pm")}
    assert len(half_days(on(0, 10), on(0, 14))) == 2
    assert len(half_days(on(0, 8), on(1, 12))) == 3  # Monday, Tuesday morning
    # Saturday 08:00 to Monday 09:00: Saturday twice, no Sunday, Monday morning.
    assert len(half_days(on(5, 8), on(7, 9))) == 3
    overlapping = [
        AbsenceSpan(starts_at=on(0, 8), ends_at=on(0, 10), justified=False),
        AbsenceSpan(starts_at=on(0, 9), ends_at=on(0, 11), justified=True),
        AbsenceSpan(starts_at=on(0, 14), ends_at=on(0, 15), justified=False),
    ]
    assert counts(overlapping, [5, 10], ["punition"]) == counts(overlapping, [10, 5], ["punition"])
    total = counts(overlapping, [5, 10], ["punition", "sanction", "punition"])
    assert (total.absences, total.half_days, total.unjustified_absences) == (3, 2, 2)
    assert total.unjustified_half_days == 1  # the morning is justified by the second
    assert (total.late_arrivals, total.late_minutes) == (2, 15)
    assert (total.punitions, total.sanctions) == (2, 1)


async def record(schoollife: Schoollife, starts_at: str, ends_at: str) -> str:
    body = {"student_id": JADE.user_id, "starts_at": starts_at, "ends_at": ends_at}
    answer = await schoollife.post(VIE_SCOLAIRE, f"{BASE}/absences", body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["absence_id"])


async def justify_and_decide(schoollife: Schoollife, absence_id: str, decision: str) -> None:
    path = f"{BASE}/absences/{absence_id}"
    answer = await schoollife.post(PARENT_SIMPLE, f"{path}/justification", {"reason": "family"})
    assert answer.status_code == 200, answer.text
    body = {"decision": decision, "comment": "vu"}
    answer = await schoollife.post(VIE_SCOLAIRE, f"{path}/decision", body)
    assert answer.status_code == 200, answer.text


async def test_counts_per_term_with_half_days_computed_by_hand(schoollife: Schoollife) -> None:
    day = [MONDAY + timedelta(days=n) for n in range(8)]
    await record(schoollife, at(day[0], 8), at(day[0], 10))  # Mon am
    await record(schoollife, at(day[0], 10), at(day[0], 14))  # Mon am (again) + pm
    accepted = await record(schoollife, at(day[1], 8), at(day[2], 12))  # Tue am, pm, Wed am
    refused = await record(schoollife, at(day[5], 8), at(day[7], 9))  # Sat am, pm, Mon am
    await justify_and_decide(schoollife, accepted, "accepted")
    await justify_and_decide(schoollife, refused, "refused")
    await record(schoollife, at(date(YEAR + 1, 1, 12), 14), at(date(YEAR + 1, 1, 12), 16))
    for minutes in (5, 10):
        late = {"student_id": JADE.user_id, "arrived_at": at(day[1], 8, minutes)}
        late |= {"minutes": minutes, "group_id": CLASS_5A}
        assert (await schoollife.post(MATHS, f"{BASE}/lateness", late)).status_code == 201
    punition = {"student_id": JADE.user_id, "kind": "punition", "reason": "Bavardages"}
    punition |= {"on": day[2].isoformat(), "group_id": CLASS_5A}
    assert (await schoollife.post(MATHS, f"{BASE}/punishments", punition)).status_code == 201
    sanction = {**punition, "kind": "sanction", "on": f"{YEAR + 1}-01-12"}
    assert (await schoollife.post(VIE_SCOLAIRE, f"{BASE}/punishments", sanction)).status_code == 201

    answer = await schoollife.get(PARENT_SIMPLE, f"{BASE}/summary")
    assert answer.status_code == 200, answer.text
    summary = answer.json()
    by_term = {t["term"]["term_id"]: t["counts"] for t in summary["terms"]}
    assert by_term[T1] == {
        "absences": 4,
        "half_days": 8,  # Mon am+pm, Tue am+pm, Wed am, Sat am+pm, next Mon am
        "unjustified_absences": 3,
        "unjustified_half_days": 5,  # all but Tuesday's and Wednesday's
        "late_arrivals": 2,
        "late_minutes": 15,
        "punitions": 1,
        "sanctions": 0,
    }
    assert by_term[T2] == {
        "absences": 1,
        "half_days": 1,
        "unjustified_absences": 1,
        "unjustified_half_days": 1,
        "late_arrivals": 0,
        "late_minutes": 0,
        "punitions": 0,
        "sanctions": 1,
    }
    assert summary["student"]["display_name"] == "Jade Petit"

    lists = {
        kind: (await schoollife.get(JADE, f"{BASE}/{kind}", term_id=T1)).json()
        for kind in ("absences", "lateness", "punishments")
    }
    assert [len(page["items"]) for page in lists.values()] == [4, 2, 1]
    assert lists["absences"]["items"][0]["starts_at"] == at(day[5], 8)  # newest first
    assert [a["half_days"] for a in lists["absences"]["items"]] == [3, 3, 2, 1]
    t2 = (await schoollife.get(JADE, f"{BASE}/absences", term_id=T2)).json()
    assert len(t2["items"]) == 1
    assert t2["term"]["name"] == "Trimestre 2"
    other_family = await schoollife.get(PARENT_DOUBLE, f"{BASE}/summary", student_id=JADE.user_id)
    assert other_family.status_code == 404


async def test_the_justifications_to_decide_are_paged_oldest_first(
    schoollife: Schoollife,
) -> None:
    ids = []
    for hour in (8, 10, 14):
        absence_id = await record(schoollife, at(MONDAY, hour), at(MONDAY, hour + 1))
        answer = await schoollife.post(
            PARENT_SIMPLE,
            f"{BASE}/absences/{absence_id}/justification",
            {"reason": "transport"},
        )
        assert answer.status_code == 200, answer.text
        ids.append(absence_id)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await schoollife.get(VIE_SCOLAIRE, f"{BASE}/pending", **params)).json()
        seen += [a["absence_id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    bad = await schoollife.get(VIE_SCOLAIRE, f"{BASE}/pending", cursor="garbage")
    assert bad.status_code == 400


async def test_a_student_with_nothing_recorded_counts_zero(schoollife: Schoollife) -> None:
    who: Identity = LEA
    summary = (await schoollife.get(who, f"{BASE}/summary")).json()
    assert len(summary["terms"]) == 3
    assert all(set(t["counts"].values()) == {0} for t in summary["terms"])
    assert summary["current_term_id"] in {t["term"]["term_id"] for t in summary["terms"]}
