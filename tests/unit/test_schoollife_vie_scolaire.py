"""Vie scolaire: who records absences, lateness and punishments for whom; a parent's
justification (with a document) and the vie scolaire's decision; what each one reads."""

from __future__ import annotations

from typing import Any

from directory_fixtures import bearer
from ent_kit.auth import Identity
from ent_schoollife.application.vie_scolaire_projection import ABSENCES
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
    SUBSTITUTE,
    TOM,
    VIE_SCOLAIRE,
    ZOE,
    Schoollife,
    schoollife,
)
from vie_scolaire_fixtures import MONDAY, T1, at

__all__ = ["schoollife"]
BASE = "/schoollife/vie-scolaire"
PDF = b"%PDF-1.7\n" + b"x" * 2000 + b"\n%%EOF\n"


def absence(student: Identity, group_id: str | None = None, **changes: Any) -> dict[str, Any]:
    body = {
        "student_id": student.user_id,
        "starts_at": at(MONDAY, 8),
        "ends_at": at(MONDAY, 10),
        **changes,
    }
    return body if group_id is None else {**body, "group_id": group_id}


async def recorded(schoollife: Schoollife, student: Identity, **changes: Any) -> str:
    answer = await schoollife.post(VIE_SCOLAIRE, f"{BASE}/absences", absence(student, **changes))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["absence_id"])


async def justify_with_document(
    schoollife: Schoollife, who: Identity, absence_id: str, content: bytes, name: str = "a.pdf"
) -> Any:
    return await schoollife.client.post(
        f"{BASE}/absences/{absence_id}/justification/form",
        data={"reason": "illness", "comment": "Grippe, certificat joint"},
        files={"document": (name, content, "application/pdf")},
        headers=bearer(who),
    )


def refusal(answer: Any) -> tuple[int, str]:
    body = answer.json()
    if answer.status_code == 400:
        return 400, body["errors"][0]["field"]
    return answer.status_code, body["code"]


async def test_who_records_an_absence_for_whom(schoollife: Schoollife) -> None:
    async def status(who: Identity, body: dict[str, Any]) -> tuple[int, str]:
        answer = await schoollife.post(who, f"{BASE}/absences", body)
        return (201, "") if answer.status_code == 201 else refusal(answer)

    assert await status(VIE_SCOLAIRE, absence(TOM)) == (201, "")
    assert await status(DIRECTION, absence(LEA)) == (201, "")
    assert await status(MATHS, absence(JADE, CLASS_5A)) == (201, "")
    assert await status(SUBSTITUTE, absence(LEA, CLASS_6A)) == (201, "")  # replacing French
    assert await status(LATIN_TEACHER, absence(JADE, LATIN)) == (201, "")
    # A teacher: the group of their lesson, one they teach, the student in it.
    assert await status(MATHS, absence(JADE)) == (400, "group_id")
    assert await status(MATHS, absence(JADE, CLASS_6A)) == (403, "not_your_student")
    assert await status(FRENCH, absence(JADE, CLASS_5A)) == (403, "not_teaching")
    assert await status(LATIN_TEACHER, absence(TOM, LATIN)) == (403, "not_your_student")
    # Families record nothing; another school's student is unknown here.
    assert await status(PARENT_DOUBLE, absence(LEA)) == (403, "recorders_only")
    assert await status(LEA, absence(LEA)) == (403, "recorders_only")
    assert await status(DIRECTION, absence(ZOE)) == (404, "student_not_found")
    assert await status(VIE_SCOLAIRE, absence(TOM, CLASS_6A)) == (400, "group_id")
    # Times: the end after the start, wall-clock without a zone.
    backwards = absence(TOM, ends_at=at(MONDAY, 7))
    assert await status(VIE_SCOLAIRE, backwards) == (400, "ends_at")
    zoned = absence(TOM, starts_at=at(MONDAY, 8) + "Z")
    assert (await schoollife.post(VIE_SCOLAIRE, f"{BASE}/absences", zoned)).status_code == 400


async def test_lateness_and_punishments_by_who_may_give_them(schoollife: Schoollife) -> None:
    late = {"student_id": JADE.user_id, "arrived_at": at(MONDAY, 8, 12), "minutes": 12}
    answer = await schoollife.post(MATHS, f"{BASE}/lateness", {**late, "group_id": CLASS_5A})
    assert answer.status_code == 201, answer.text
    assert answer.json()["minutes"] == 12
    assert answer.json()["recorded_by"]["display_name"] == "Marc Maths"
    answer = await schoollife.post(FRENCH, f"{BASE}/lateness", {**late, "group_id": CLASS_5A})
    assert refusal(answer) == (403, "not_teaching")
    answer = await schoollife.post(PARENT_SIMPLE, f"{BASE}/lateness", late)
    assert refusal(answer) == (403, "recorders_only")
    answer = await schoollife.post(VIE_SCOLAIRE, f"{BASE}/lateness", {**late, "minutes": 0})
    assert refusal(answer) == (400, "minutes")

    punition = {
        "student_id": JADE.user_id,
        "kind": "punition",
        "reason": "Devoir non fait",
        "on": MONDAY.isoformat(),
        "group_id": CLASS_5A,
    }
    answer = await schoollife.post(MATHS, f"{BASE}/punishments", punition)
    assert answer.status_code == 201, answer.text
    assert answer.json()["kind"] == "punition"
    sanction = {**punition, "kind": "sanction"}
    answer = await schoollife.post(MATHS, f"{BASE}/punishments", sanction)
    assert refusal(answer) == (403, "sanction_staff_only")
    answer = await schoollife.post(VIE_SCOLAIRE, f"{BASE}/punishments", sanction)
    assert answer.status_code == 201, answer.text
    answer = await schoollife.post(
        FRENCH, f"{BASE}/punishments", {**punition, "group_id": CLASS_6A}
    )
    assert refusal(answer) == (403, "not_your_student")
    answer = await schoollife.post(LEA, f"{BASE}/punishments", punition)
    assert refusal(answer) == (403, "recorders_only")


async def test_a_parent_justifies_their_childs_absence_and_the_vie_scolaire_decides(
    schoollife: Schoollife,
) -> None:
    absence_id = await recorded(schoollife, LEA)
    path = f"{BASE}/absences/{absence_id}"
    justification = {"reason": "medical_appointment", "comment": "Dentiste"}
    # Another family, the student herself, the school: not theirs to justify.
    assert refusal(
        await schoollife.post(PARENT_SIMPLE, f"{path}/justification", justification)
    ) == (
        404,
        "absence_not_found",
    )
    assert refusal(await schoollife.post(PARENT_ZOE, f"{path}/justification", justification)) == (
        404,
        "absence_not_found",
    )
    assert refusal(await schoollife.post(LEA, f"{path}/justification", justification)) == (
        403,
        "parents_only",
    )
    reasons = (await schoollife.get(PARENT_DOUBLE, f"{BASE}/reasons")).json()
    assert {"code": "medical_appointment", "label": "Rendez-vous médical"} in reasons
    bad = {"reason": "holidays"}
    assert refusal(await schoollife.post(PARENT_DOUBLE, f"{path}/justification", bad)) == (
        400,
        "reason",
    )

    answer = await schoollife.post(PARENT_DOUBLE, f"{path}/justification", justification)
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "submitted"
    assert answer.json()["justification"]["reason_label"] == "Rendez-vous médical"
    again = await schoollife.post(PARENT_DOUBLE, f"{path}/justification", justification)
    assert refusal(again) == (409, "already_justified")

    # The vie scolaire's desk lists it; a teacher or a parent may not decide.
    pending = (await schoollife.get(VIE_SCOLAIRE, f"{BASE}/pending")).json()
    assert [a["absence_id"] for a in pending["items"]] == [absence_id]
    assert pending["items"][0]["student"]["display_name"] == "Léa Martin"
    assert refusal(await schoollife.get(MATHS, f"{BASE}/pending")) == (403, "staff_only")
    refuse = {"decision": "refused", "comment": ""}
    assert refusal(await schoollife.post(MATHS, f"{path}/decision", refuse)) == (
        403,
        "deciders_only",
    )
    assert refusal(await schoollife.post(VIE_SCOLAIRE, f"{path}/decision", refuse)) == (
        400,
        "comment",
    )
    refuse = {"decision": "refused", "comment": "Justificatif demandé"}
    answer = await schoollife.post(VIE_SCOLAIRE, f"{path}/decision", refuse)
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "refused"
    assert answer.json()["decision"]["comment"] == "Justificatif demandé"
    assert (await schoollife.get(VIE_SCOLAIRE, f"{BASE}/pending")).json()["items"] == []

    # Refused: the family justifies again, with a certificate this time; accepted.
    answer = await justify_with_document(schoollife, PARENT_DOUBLE, absence_id, PDF)
    assert answer.status_code == 200, answer.text
    document = answer.json()["justification"]["document"]
    assert document == {"file_name": "a.pdf", "media_type": "application/pdf", "size": len(PDF)}
    answer = await schoollife.post(VIE_SCOLAIRE, f"{path}/decision", {"decision": "accepted"})
    assert answer.json()["state"] == "accepted"
    again = await schoollife.post(VIE_SCOLAIRE, f"{path}/decision", {"decision": "accepted"})
    assert refusal(again) == (409, "nothing_to_decide")
    other_school = await schoollife.post(PARENT_ZOE, f"{path}/justification", justification)
    assert other_school.status_code == 404


async def test_the_document_is_the_familys_and_the_schools_not_the_teachers(
    schoollife: Schoollife,
) -> None:
    absence_id = await recorded(schoollife, LEA)
    answer = await justify_with_document(schoollife, PARENT_DOUBLE, absence_id, PDF)
    assert answer.status_code == 200, answer.text
    download = f"{BASE}/absences/{absence_id}/justification/document"
    for who in (PARENT_DOUBLE, LEA, VIE_SCOLAIRE):
        got = await schoollife.get(who, download)
        assert got.status_code == 200, (who.user_id, got.text)
        assert got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
    for who in (MATHS, HUGO, PARENT_SIMPLE):
        assert (await schoollife.get(who, download)).status_code == 404
    # The teacher sees the absence and its reason, not the family's words nor the file.
    seen = (await schoollife.get(MATHS, f"{BASE}/absences/{absence_id}")).json()
    assert seen["justification"]["reason"] == "illness"
    assert seen["justification"]["comment"] is None
    assert seen["justification"]["document"] is None
    family = (await schoollife.get(PARENT_DOUBLE, f"{BASE}/absences/{absence_id}")).json()
    assert family["justification"]["comment"] == "Grippe, certificat joint"


async def test_a_document_is_a_pdf_jpeg_or_png_of_10_mb_at_most(schoollife: Schoollife) -> None:
    absence_id = await recorded(schoollife, LEA)
    html = b"<html><script>alert(1)</script></html>"
    answer = await justify_with_document(schoollife, PARENT_DOUBLE, absence_id, html, "a.pdf")
    assert refusal(answer) == (400, "document")
    assert answer.json()["code"] == "validation_failed"
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024)
    answer = await justify_with_document(schoollife, PARENT_DOUBLE, absence_id, big, "a.png")
    assert refusal(answer) == (413, "document_too_large")
    # Nothing was justified by the refused attempts, nothing kept under the absence.
    seen = (await schoollife.get(PARENT_DOUBLE, f"{BASE}/absences/{absence_id}")).json()
    assert seen["state"] == "to_justify"
    jpeg = b"\xff\xd8\xff\xe0" + b"\0" * 100
    answer = await justify_with_document(schoollife, PARENT_DOUBLE, absence_id, jpeg, "p.jpg")
    assert answer.status_code == 200, answer.text
    assert answer.json()["justification"]["document"]["media_type"] == "image/jpeg"


async def test_who_reads_a_students_absences(schoollife: Schoollife) -> None:
    await recorded(schoollife, JADE)

    async def count(who: Identity, **params: Any) -> int | str:
        answer = await schoollife.get(who, f"{BASE}/absences", term_id=T1, **params)
        return len(answer.json()["items"]) if answer.status_code == 200 else answer.status_code

    assert await count(JADE) == 1
    assert await count(PARENT_SIMPLE) == 1  # one child: no student_id needed
    assert await count(MATHS, student_id=JADE.user_id) == 1
    assert await count(LATIN_TEACHER, student_id=JADE.user_id) == 1
    assert await count(VIE_SCOLAIRE, student_id=JADE.user_id) == 1
    assert await count(FRENCH, student_id=JADE.user_id) == 404
    assert await count(PARENT_DOUBLE, student_id=JADE.user_id) == 404
    assert await count(PARENT_ZOE, student_id=JADE.user_id) == 404
    assert await count(TOM, student_id=JADE.user_id) == 404
    assert await count(PARENT_DOUBLE) == 404  # two children: which one?
    unknown_term = await schoollife.get(JADE, f"{BASE}/absences", term_id="1999-T9")
    assert unknown_term.status_code == 404


async def test_a_new_justification_deletes_the_refused_ones_document(
    schoollife: Schoollife,
) -> None:
    absence_id = await recorded(schoollife, LEA)
    path = f"{BASE}/absences/{absence_id}"
    first = await justify_with_document(schoollife, PARENT_DOUBLE, absence_id, PDF, "old.pdf")
    assert first.status_code == 200, first.text
    doc = await schoollife.runtime.storage.documents.get(ABSENCES, absence_id)
    old_key = doc["justification"]["document"]["blob_key"]
    assert await schoollife.runtime.blobs.exists(old_key)
    refuse = {"decision": "refused", "comment": "Illisible"}
    assert (await schoollife.post(VIE_SCOLAIRE, f"{path}/decision", refuse)).status_code == 200
    assert await schoollife.runtime.blobs.exists(old_key)  # kept while refused

    jpeg = b"\xff\xd8\xff\xe0" + b"\0" * 100
    again = await justify_with_document(schoollife, PARENT_DOUBLE, absence_id, jpeg, "new.jpg")
    assert again.status_code == 200, again.text
    doc = await schoollife.runtime.storage.documents.get(ABSENCES, absence_id)
    new_key = doc["justification"]["document"]["blob_key"]
    assert new_key != old_key
    assert not await schoollife.runtime.blobs.exists(old_key)
    assert await schoollife.runtime.blobs.exists(new_key)
    got = await schoollife.get(PARENT_DOUBLE, f"{path}/justification/document")
    assert got.content == jpeg
