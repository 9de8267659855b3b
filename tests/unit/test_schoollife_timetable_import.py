"""The timetable's CSV import: progress, errors naming line and column, all or nothing,
re-imports that change only what changed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from directory_fixtures import bearer
from ent_schoollife.domain.timetable import monday
from ent_schoollife.domain.timetable_rows import parse_timetable
from schoollife_fixtures import (
    DIRECTION,
    LEA,
    MATHS,
    SCHOOL,
    VIE_SCOLAIRE,
    Schoollife,
    in_service_loop,
    schoollife,
)

__all__ = ["schoollife"]
TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()
WEEK = monday(TODAY)
IMPORTS = "/schoollife/timetable/imports"
HEADER = "jour;debut;fin;matiere;enseignant;groupe;salle;du;au\n"
PERIOD = f"{(WEEK - timedelta(weeks=1)).isoformat()};{(WEEK + timedelta(weeks=2)).isoformat()}"
GOOD = (
    HEADER
    + f"lundi;08:00;09:00;Mathématiques;teacher-maths;6A;B12;{PERIOD}\n"
    + f"Mardi;10h;11h;Français;Fanny Français;6a;;{PERIOD}\n"
    + f"4;14:00;15:00;Latin;Latin Luc;Latin 6e-5e;C1;{PERIOD}\n"
)


async def send(sl: Schoollife, who: Any, text: str | bytes, media_type: str = "text/csv") -> Any:
    headers = {**bearer(who), "content-type": media_type}
    body = text.encode() if isinstance(text, str) else text
    return await sl.client.post(IMPORTS, content=body, headers=headers)


async def finished(sl: Schoollife, import_id: str) -> dict[str, Any]:
    for _ in range(200):
        answer = await sl.get(DIRECTION, f"{IMPORTS}/{import_id}")
        assert answer.status_code == 200, answer.text
        status: dict[str, Any] = answer.json()
        if status["state"] not in ("checking", "applying"):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not finish")


async def imported(sl: Schoollife, text: str) -> dict[str, Any]:
    answer = await send(sl, DIRECTION, text)
    assert answer.status_code == 202, answer.text
    assert answer.json()["state"] == "checking"
    return await finished(sl, answer.json()["import_id"])


def test_rows_are_read_with_every_error_naming_its_line_and_column() -> None:
    parsed = parse_timetable(
        [
            "debut;fin;jour;matiere;enseignant;groupe\n",  # columns in any order, optional ones out
            "08:00;09:00;lundi;Maths;m;6A\n",
            "\n",
            "8h;7h30;dimanche;;m;6A\n",
            "08:00;09:00\n",
        ]
    )
    assert parsed.header_error is None
    assert [(r.line, r.weekday, r.room, r.starts_on) for r in parsed.rows] == [(2, 1, "", None)]
    assert [(e.line, e.column) for e in parsed.errors] == [(4, "jour"), (4, "matiere"), (5, "")]
    assert parse_timetable(["jour;debut\n"]).header_error is not None


async def test_an_import_applies_the_file_and_reports_its_progress(schoollife: Schoollife) -> None:
    status = await imported(schoollife, GOOD)
    assert status["state"] == "done", status
    assert (status["rows"], status["created"], status["errors"]) == (3, 3, [])
    assert status["done"] == status["total"] == 7  # 3 checked, 3 applied, the sweep
    week = (await schoollife.get(LEA, "/schoollife/timetable/week")).json()["occurrences"]
    assert [(o["subject"], o["start"], o["room"]) for o in week] == [
        ("Mathématiques", "08:00:00", "B12"),
        ("Français", "10:00:00", ""),
    ]
    # The same file again changes nothing; a file without a row removes its lesson.
    again = await imported(schoollife, GOOD)
    assert (again["state"], again["created"], again["unchanged"], again["removed"]) == (
        "done",
        0,
        3,
        0,
    )
    shorter = await imported(schoollife, GOOD.rsplit("\n", 2)[0] + "\n")
    assert (shorter["created"], shorter["unchanged"], shorter["removed"]) == (0, 2, 1)
    back = await imported(schoollife, GOOD)  # the removed lesson's row again: it comes back
    assert (back["state"], back["created"], back["unchanged"]) == ("done", 1, 2)


async def test_a_file_with_errors_applies_nothing_and_names_line_and_column(
    schoollife: Schoollife,
) -> None:
    wrong = (
        GOOD
        + f"lundi;09:00;08:00;Mathématiques;teacher-maths;6A;;{PERIOD}\n"  # 5: end before start
        + f"lundi;10:00;11:00;Histoire;Personne Inconnue;6A;;{PERIOD}\n"  # 6: teacher
        + f"lundi;10:00;11:00;Histoire;teacher-maths;6Z;;{PERIOD}\n"  # 7: group
        + "lundi;10:00;11:00;Histoire;teacher-maths;6A;;demain;\n"  # 8: date
        + f"lundi;08:00;09:00;Mathématiques;teacher-maths;6A;B12;{PERIOD}\n"  # 9: twice line 2
    )
    status = await imported(schoollife, wrong)
    assert status["state"] == "refused"
    assert [(e["line"], e["column"]) for e in status["errors"]] == [
        (5, "fin"),
        (6, "enseignant"),
        (7, "groupe"),
        (8, "du"),
        (9, ""),
    ]
    assert "ligne 2" in status["errors"][-1]["reason"]
    assert status["created"] == 0
    week = (await schoollife.get(LEA, "/schoollife/timetable/week")).json()["occurrences"]
    assert week == []


async def test_only_direction_imports_and_reads_an_import(schoollife: Schoollife) -> None:
    assert (await send(schoollife, MATHS, GOOD)).status_code == 403
    assert (await send(schoollife, VIE_SCOLAIRE, GOOD)).status_code == 403
    assert (await send(schoollife, DIRECTION, GOOD, "application/json")).status_code == 415
    answer = await send(schoollife, DIRECTION, "jour;debut\n")
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["file"]
    answer = await send(schoollife, DIRECTION, HEADER.encode("utf-16"))
    assert (answer.status_code, answer.json()["errors"][0]["field"]) == (400, "file")
    assert "UTF-8" in answer.text
    import_id = (await send(schoollife, DIRECTION, GOOD)).json()["import_id"]
    await finished(schoollife, import_id)
    assert (await schoollife.get(MATHS, f"{IMPORTS}/{import_id}")).status_code == 403
    assert (await schoollife.get(DIRECTION, f"{IMPORTS}/unknown")).status_code == 404


async def test_one_import_of_a_school_at_a_time_and_a_dead_one_reads_interrupted(
    schoollife: Schoollife,
) -> None:
    now = datetime.now(UTC)

    async def running(import_id: str, heard: datetime) -> None:
        doc = {
            "school_id": SCHOOL,
            "by": DIRECTION.user_id,
            "running": True,
            "updated_at": heard.isoformat(),
            "status": {
                "import_id": import_id,
                "state": "applying",
                "started_at": heard.isoformat(),
            },
        }
        async with schoollife.runtime.storage.documents.transaction() as tx:
            await tx.put("timetable_imports", import_id, doc)

    await in_service_loop(schoollife, partial(running, "alive", now))
    answer = await send(schoollife, DIRECTION, GOOD)
    assert (answer.status_code, answer.json()["code"]) == (409, "import_running")
    await in_service_loop(schoollife, partial(running, "alive", now - timedelta(hours=1)))
    status = (await schoollife.get(DIRECTION, f"{IMPORTS}/alive")).json()
    assert status["state"] == "interrupted"
    started = await send(schoollife, DIRECTION, GOOD)
    assert started.status_code == 202
    # Stamped in UTC (aware), so that a change of daylight saving time does not make a
    # running import look an hour fresher or staler.
    assert datetime.fromisoformat(started.json()["started_at"]).utcoffset() == timedelta(0)
    doc = await schoollife.runtime.storage.documents.get(
        "timetable_imports", started.json()["import_id"]
    )
    assert doc is not None
    assert datetime.fromisoformat(doc["updated_at"]).utcoffset() == timedelta(0)
    await finished(schoollife, started.json()["import_id"])
