"""The homework notebook (cahier de textes): teachers write lessons and give work to do with
documents to the groups they teach; students and parents read it by due date or by week."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from directory_fixtures import bearer
from ent_kit.auth import Identity
from schoollife_fixtures import (
    CLASS_5A,
    CLASS_6A,
    CLASS_6B,
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
    SUBSTITUTE,
    VIE_SCOLAIRE,
    ZOE,
    Schoollife,
    in_service_loop,
    schoollife,
)

__all__ = ["schoollife"]
BASE = "/schoollife/notebook"


def today(schoollife: Schoollife) -> date:
    now: datetime = schoollife.runtime.settings.now()  # type: ignore[attr-defined,unused-ignore]
    return now.date()


async def assign(
    schoollife: Schoollife,
    who: Identity = MATHS,
    group_id: str = CLASS_6A,
    due_in_days: int = 2,
    **fields: Any,
) -> Any:
    body = {
        "group_id": group_id,
        "subject": "Mathématiques",
        "title": "Exercices p. 42",
        "instructions": "Faire les exercices 1 à 4.",
        "due_on": (today(schoollife) + timedelta(days=due_in_days)).isoformat(),
        **fields,
    }
    return await schoollife.post(who, f"{BASE}/homework", body)


async def given(schoollife: Schoollife, **fields: Any) -> dict[str, Any]:
    answer = await assign(schoollife, **fields)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_a_teacher_gives_work_to_do_that_the_groups_students_see(
    schoollife: Schoollife,
) -> None:
    homework = await given(schoollife, due_time="17:30:00")
    assert homework["due_at"].endswith("T17:30:00")
    page = (await schoollife.get(LEA, f"{BASE}/homework")).json()
    assert [h["title"] for h in page["items"]] == ["Exercices p. 42"]
    assert page["items"][0]["status"] == {
        "student_id": LEA.user_id,
        "done": False,
        "copies": 0,
        "last_submitted_at": None,
        "late": False,
    }
    one = await schoollife.get(LEA, f"{BASE}/homework/{homework['homework_id']}")
    assert one.status_code == 200
    assert one.json()["status"]["done"] is False
    # Without a time, homework is due at 08:00 (documented default).
    default = await given(schoollife, title="Lire le chapitre")
    assert default["due_at"].endswith("T08:00:00")


async def test_another_class_neither_lists_nor_reads_the_homework(schoollife: Schoollife) -> None:
    homework = await given(schoollife)
    assert (await schoollife.get(JADE, f"{BASE}/homework")).json()["items"] == []
    for who in (JADE, PARENT_SIMPLE, ZOE, LATIN_TEACHER):
        answer = await schoollife.get(who, f"{BASE}/homework/{homework['homework_id']}")
        assert answer.status_code == 404, (who.user_id, answer.text)
        assert answer.json()["code"] == "homework_not_found"
    for who in (FRENCH, SUBSTITUTE, DIRECTION, VIE_SCOLAIRE, PARENT_DOUBLE, HUGO):
        answer = await schoollife.get(who, f"{BASE}/homework/{homework['homework_id']}")
        assert answer.status_code == 200, (who.user_id, answer.text)


async def test_only_a_teacher_of_the_group_gives_it_work(schoollife: Schoollife) -> None:
    refused = await assign(schoollife, who=FRENCH, group_id=CLASS_5A)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_teaching"
    assert (await assign(schoollife, who=LEA)).status_code == 403
    assert (await assign(schoollife, who=PARENT_DOUBLE)).status_code == 403
    assert (await assign(schoollife, who=MATHS, group_id=CLASS_6B)).status_code == 404
    assert (await assign(schoollife, who=MATHS, group_id="nowhere")).status_code == 404
    # The substitute of Mme Français during the period, and the direction, may.
    assert (await assign(schoollife, who=SUBSTITUTE)).status_code == 201
    assert (await assign(schoollife, who=DIRECTION, group_id=LATIN)).status_code == 201


async def test_refusals_name_the_field(schoollife: Schoollife) -> None:
    blank = await assign(schoollife, title="   ")
    assert blank.status_code == 400
    assert blank.json()["errors"][0]["field"] == "title"
    early = await assign(
        schoollife, lesson_date=(today(schoollife) + timedelta(days=5)).isoformat()
    )
    assert early.status_code == 400
    assert early.json()["errors"][0]["field"] == "due_on"
    no_date = await schoollife.post(MATHS, f"{BASE}/homework", {"group_id": CLASS_6A})
    assert no_date.status_code == 400


async def test_a_parent_picks_the_child_and_never_sees_another_familys(
    schoollife: Schoollife,
) -> None:
    await given(schoollife)
    unsure = await schoollife.get(PARENT_DOUBLE, f"{BASE}/homework")
    assert unsure.status_code == 404
    assert unsure.json()["code"] == "student_required"
    lea = await schoollife.get(PARENT_DOUBLE, f"{BASE}/homework", student_id=LEA.user_id)
    assert [h["status"]["student_id"] for h in lea.json()["items"]] == [LEA.user_id]
    other = await schoollife.get(PARENT_SIMPLE, f"{BASE}/homework", student_id=LEA.user_id)
    assert other.status_code == 404
    jade = await schoollife.get(PARENT_SIMPLE, f"{BASE}/homework")  # one child: implied
    assert jade.status_code == 200
    assert jade.json()["items"] == []


async def test_the_chronological_view_pages_through_every_group_of_the_student(
    schoollife: Schoollife,
) -> None:
    # Hugo is in 6A and in the Latin group: both lists merge by due date.
    expected = []
    for days, who, group in [(3, MATHS, CLASS_6A), (1, LATIN_TEACHER, LATIN), (3, MATHS, CLASS_6A)]:
        expected.append(
            (days, (await given(schoollife, who=who, group_id=group, due_in_days=days)))
        )
    for days in (2, 5):
        expected.append(
            (days, await given(schoollife, who=LATIN_TEACHER, group_id=LATIN, due_in_days=days))
        )
    await given(schoollife, due_in_days=-1, title="hier")  # before today: not listed
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await schoollife.get(HUGO, f"{BASE}/homework", **params)).json()
        seen += [h["homework_id"] for h in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    by_due = sorted(expected, key=lambda e: (e[1]["due_at"], e[1]["homework_id"]))
    assert seen == [h["homework_id"] for _, h in by_due]
    since = (today(schoollife) - timedelta(days=1)).isoformat()
    everything = (await schoollife.get(HUGO, f"{BASE}/homework", since=since)).json()
    assert len(everything["items"]) == 6


async def test_the_weekly_view_holds_the_lessons_and_the_homework_of_that_week(
    schoollife: Schoollife,
) -> None:
    day = today(schoollife)
    monday = day - timedelta(days=day.weekday())
    lesson = await schoollife.post(
        FRENCH,
        f"{BASE}/lessons",
        {
            "group_id": CLASS_6A,
            "subject": "Français",
            "lesson_date": monday.isoformat(),
            "timetable_lesson_id": "tt-1",
            "content": "Le conte : lecture de « Cendrillon ».",
        },
    )
    assert lesson.status_code == 201, lesson.text
    this_week = await given(schoollife, due_in_days=-day.weekday() + 4)  # Friday
    await given(schoollife, due_in_days=-day.weekday() + 7, title="next week")
    week = (await schoollife.get(LEA, f"{BASE}/week", day=day.isoformat())).json()
    assert week["starts_on"] == monday.isoformat()
    assert [h["homework_id"] for h in week["homework"]] == [this_week["homework_id"]]
    assert [entry["content"] for entry in week["lessons"]] == [
        "Le conte : lecture de « Cendrillon »."
    ]
    next_week = (monday + timedelta(days=7)).isoformat()
    later = (await schoollife.get(LEA, f"{BASE}/week", day=next_week)).json()
    assert [h["title"] for h in later["homework"]] == ["next week"]
    assert later["lessons"] == []
    group = (await schoollife.get(MATHS, f"{BASE}/groups/{CLASS_6A}/week")).json()
    assert len(group["lessons"]) == 1
    assert (await schoollife.get(JADE, f"{BASE}/groups/{CLASS_6A}/week")).status_code == 404
    # Rewriting keeps the page; another group's teacher cannot.
    lesson_id = lesson.json()["lesson_id"]
    rewrite = {**lesson.json(), "content": "Cendrillon, suite."}
    rewritten = await schoollife.put(FRENCH, f"{BASE}/lessons/{lesson_id}", rewrite)
    assert rewritten.status_code == 200
    assert rewritten.json()["content"] == "Cendrillon, suite."
    assert (
        await schoollife.put(LATIN_TEACHER, f"{BASE}/lessons/{lesson_id}", rewrite)
    ).status_code == 404
    assert (await schoollife.put(LEA, f"{BASE}/lessons/{lesson_id}", rewrite)).status_code == 403


async def test_a_teacher_changes_or_withdraws_homework(schoollife: Schoollife) -> None:
    homework = await given(schoollife)
    path = f"{BASE}/homework/{homework['homework_id']}"
    change = {"title": "Exercices p. 43", "due_on": today(schoollife).isoformat(), "hand_in": True}
    changed = await schoollife.put(MATHS, path, change)
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["hand_in"]) == ("Exercices p. 43", True)
    assert (await schoollife.put(LEA, path, change)).status_code == 403
    assert (await schoollife.put(LATIN_TEACHER, path, change)).status_code == 404
    assert (await schoollife.delete(FRENCH, path)).status_code == 204  # teaches 6A too
    assert (await schoollife.get(LEA, path)).status_code == 404
    assert (await schoollife.get(LEA, f"{BASE}/homework")).json()["items"] == []


async def test_documents_go_with_the_homework_to_its_readers_only(schoollife: Schoollife) -> None:
    homework = await given(schoollife)
    path = f"{BASE}/homework/{homework['homework_id']}/documents"
    files = {"file": ("énoncé.pdf", b"%PDF-1.7 statement", "application/pdf")}
    attached = await schoollife.client.post(
        path, data={"kind": "enonce"}, files=files, headers=bearer(MATHS)
    )
    assert attached.status_code == 201, attached.text
    document = attached.json()
    assert (document["kind"], document["file_name"]) == ("enonce", "énoncé.pdf")
    listed = (await schoollife.get(LEA, f"{BASE}/homework/{homework['homework_id']}")).json()
    assert [d["document_id"] for d in listed["documents"]] == [document["document_id"]]
    download = await schoollife.get(LEA, f"{path}/{document['document_id']}")
    assert download.status_code == 200
    assert download.content == b"%PDF-1.7 statement"
    assert (await schoollife.get(JADE, f"{path}/{document['document_id']}")).status_code == 404
    by_student = await schoollife.client.post(path, files=files, headers=bearer(LEA))
    assert by_student.status_code == 403
    bad_kind = await schoollife.client.post(
        path, data={"kind": "other"}, files=files, headers=bearer(MATHS)
    )
    assert bad_kind.status_code == 400
    assert bad_kind.json()["errors"][0]["field"] == "kind"
    for n in range(9):
        again = {"file": (f"support-{n}.txt", b"x", "text/plain")}
        assert (
            await schoollife.client.post(path, files=again, headers=bearer(MATHS))
        ).status_code == 201
    eleventh = await schoollife.client.post(path, files=files, headers=bearer(MATHS))
    assert eleventh.status_code == 413
    assert eleventh.json()["code"] == "too_many_documents"
    removed = await schoollife.delete(MATHS, f"{path}/{document['document_id']}")
    assert removed.status_code == 204
    assert (await schoollife.get(LEA, f"{path}/{document['document_id']}")).status_code == 404


async def test_a_document_over_ten_megabytes_is_refused(schoollife: Schoollife) -> None:
    homework = await given(schoollife)
    path = f"{BASE}/homework/{homework['homework_id']}/documents"
    big = {"file": ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf")}
    answer = await schoollife.client.post(path, files=big, headers=bearer(MATHS))
    assert answer.status_code == 413
    assert answer.json()["code"] == "document_too_large"


async def test_the_home_page_reads_this_weeks_homework_done_or_not(schoollife: Schoollife) -> None:
    from ent_schoollife.wiring import notebook as notebook_wiring

    day = today(schoollife)
    friday = await given(schoollife, due_in_days=4 - day.weekday())
    await given(schoollife, due_in_days=7 - day.weekday(), title="next week")
    ticked = await schoollife.put(
        LEA, f"{BASE}/homework/{friday['homework_id']}/done", {"done": True}
    )
    assert ticked.status_code == 200
    queries = notebook_wiring.queries(schoollife.runtime)

    async def due() -> Any:
        return await queries.due_this_week(PARENT_DOUBLE, LEA.user_id)

    items = await in_service_loop(schoollife, due)
    assert [(h.homework_id, h.status.done) for h in items] == [(friday["homework_id"], True)]


async def test_due_this_week_over_http_for_the_home_page(schoollife: Schoollife) -> None:
    day = today(schoollife)
    sunday = await given(schoollife, due_in_days=6 - day.weekday(), title="this week")
    await given(schoollife, due_in_days=7 - day.weekday(), title="next week")
    mine = await schoollife.get(LEA, f"{BASE}/due-this-week")
    assert mine.status_code == 200, mine.text
    assert [(h["homework_id"], h["status"]["done"]) for h in mine.json()] == [
        (sunday["homework_id"], False)
    ]
    child = await schoollife.get(PARENT_DOUBLE, f"{BASE}/due-this-week", student_id=LEA.user_id)
    assert [h["title"] for h in child.json()] == ["this week"]
    other = await schoollife.get(PARENT_SIMPLE, f"{BASE}/due-this-week", student_id=LEA.user_id)
    assert other.status_code == 404


async def test_audit_stamps_are_utc_the_due_date_the_schools_wall_clock(
    schoollife: Schoollife,
) -> None:
    """One rule (wiring.clock): audit stamps UTC-aware, the school's wall clock (naive)
    only for "which day, is it late"."""
    homework = await given(schoollife, due_time="17:30:00")
    assert datetime.fromisoformat(homework["assigned_at"]).utcoffset() == timedelta(0)
    assert datetime.fromisoformat(homework["due_at"]).tzinfo is None
