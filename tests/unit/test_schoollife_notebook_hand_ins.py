"""Hand-ins ("Déposer ma copie"): a student deposits a copy (a photo or a PDF, read from its
bytes), sees "Fait"; the teacher lists on time / late / missing and takes every copy as a
zip; nobody else reads a copy."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from directory_fixtures import bearer
from ent_kit.auth import Identity
from ent_kit.blobs import BlobTooLarge
from ent_kit.errors import Refused
from ent_schoollife.application.justification_documents import DOCUMENT
from ent_schoollife.application.notebook_files import COPY, HOMEWORK_DOCUMENT
from ent_schoollife.application.sniffed_upload import UploadRule, sniffed
from ent_schoollife.domain.file_types import sniffed_media_type
from schoollife_fixtures import (
    CLASS_6A,
    DIRECTION,
    FRENCH,
    HUGO,
    JADE,
    LATIN_TEACHER,
    LEA,
    MATHS,
    PARENT_DOUBLE,
    PARENT_SIMPLE,
    SUBSTITUTE,
    VIE_SCOLAIRE,
    Schoollife,
    in_service_loop,
    schoollife,
)
from test_schoollife_notebook import BASE, given, today

__all__ = ["schoollife"]
PDF = b"%PDF-1.7\n" + b"copie " * 100
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 50


async def hand_in(
    schoollife: Schoollife,
    homework_id: str,
    who: Identity,
    content: bytes = PDF,
    name: str = "copie.pdf",
    media_type: str = "application/pdf",
) -> Any:
    return await schoollife.client.post(
        f"{BASE}/homework/{homework_id}/copies",
        files={"file": (name, content, media_type)},
        headers=bearer(who),
    )


async def with_hand_in(schoollife: Schoollife, **fields: Any) -> str:
    homework = await given(schoollife, hand_in=True, **fields)
    return str(homework["homework_id"])


def test_the_type_of_a_copy_is_read_from_its_first_bytes() -> None:
    assert sniffed_media_type(PDF[:12]) == "application/pdf"
    assert sniffed_media_type(JPEG[:12]) == "image/jpeg"
    assert sniffed_media_type(b"\x89PNG\r\n\x1a\n\x00\x00\x00\r") == "image/png"
    assert sniffed_media_type(HEIC[:12]) == "image/heic"
    assert sniffed_media_type(b"\x00\x00\x00\x18ftypmif1") == "image/heif"
    assert sniffed_media_type(b"\x00\x00\x00\x18ftypisom") is None  # an MP4 video
    assert sniffed_media_type(b"<html><body>") is None


async def test_a_student_hands_in_and_sees_fait(schoollife: Schoollife) -> None:
    homework_id = await with_hand_in(schoollife)
    answer = await hand_in(schoollife, homework_id, LEA)
    assert answer.status_code == 201, answer.text
    copy = answer.json()
    assert (copy["late"], copy["media_type"], copy["size"]) == (False, "application/pdf", len(PDF))
    page = (await schoollife.get(LEA, f"{BASE}/homework")).json()
    assert page["items"][0]["status"]["done"] is True
    week = (await schoollife.get(PARENT_DOUBLE, f"{BASE}/week", student_id=LEA.user_id)).json()
    assert [h["status"]["done"] for h in week["homework"] if h["homework_id"] == homework_id] in (
        [True],
        [],  # due next week when today is a Saturday
    )
    hugo = (await schoollife.get(HUGO, f"{BASE}/homework")).json()
    assert hugo["items"][0]["status"]["done"] is False
    # A new deposit adds a copy; the last one counts; both are kept.
    photo = await hand_in(schoollife, homework_id, LEA, HEIC, "IMG_0001.HEIC", "image/heic")
    assert photo.status_code == 201
    assert photo.json()["media_type"] == "image/heic"
    mine = (await schoollife.get(LEA, f"{BASE}/homework/{homework_id}/copies")).json()
    assert [c["copy_id"] for c in mine] == [photo.json()["copy_id"], copy["copy_id"]]
    download = await schoollife.get(LEA, f"{BASE}/homework/{homework_id}/copies/{copy['copy_id']}")
    assert download.status_code == 200
    assert download.content == PDF


async def test_the_teacher_sees_who_is_on_time_late_or_missing(schoollife: Schoollife) -> None:
    homework_id = await with_hand_in(schoollife)
    assert (await hand_in(schoollife, homework_id, LEA)).status_code == 201
    # The due date moves to yesterday: a copy handed in from now on is late.
    yesterday = (today(schoollife) - timedelta(days=1)).isoformat()
    change = {"title": "Exercices p. 42", "due_on": yesterday, "hand_in": True}
    assert (
        await schoollife.put(MATHS, f"{BASE}/homework/{homework_id}", change)
    ).status_code == 200
    late = await hand_in(schoollife, homework_id, HUGO, JPEG, "photo.jpg", "image/jpeg")
    assert late.status_code == 201
    assert late.json()["late"] is True
    listing = await schoollife.get(MATHS, f"{BASE}/homework/{homework_id}/hand-ins")
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert (body["on_time"], body["late"], body["missing"]) == (1, 1, 0)
    assert [(r["student"]["display_name"], r["status"]) for r in body["students"]] == [
        ("Hugo Martin", "late"),
        ("Léa Martin", "on_time"),
    ]
    for who in (FRENCH, SUBSTITUTE, DIRECTION, VIE_SCOLAIRE):
        answer = await schoollife.get(who, f"{BASE}/homework/{homework_id}/hand-ins")
        assert answer.status_code == 200, who.user_id
    assert (await schoollife.get(LEA, f"{BASE}/homework/{homework_id}/hand-ins")).status_code == 403
    assert (
        await schoollife.get(PARENT_DOUBLE, f"{BASE}/homework/{homework_id}/hand-ins")
    ).status_code == 403
    assert (
        await schoollife.get(LATIN_TEACHER, f"{BASE}/homework/{homework_id}/hand-ins")
    ).status_code == 404
    assert (
        await schoollife.get(JADE, f"{BASE}/homework/{homework_id}/hand-ins")
    ).status_code == 404


async def test_a_missing_copy_is_listed_missing(schoollife: Schoollife) -> None:
    homework_id = await with_hand_in(schoollife)
    body = (await schoollife.get(MATHS, f"{BASE}/homework/{homework_id}/hand-ins")).json()
    assert (body["on_time"], body["late"], body["missing"]) == (0, 0, 2)
    assert all(row["last_copy"] is None for row in body["students"])


async def test_nobody_else_reads_a_copy(schoollife: Schoollife) -> None:
    homework_id = await with_hand_in(schoollife)
    copy_id = (await hand_in(schoollife, homework_id, LEA)).json()["copy_id"]
    path = f"{BASE}/homework/{homework_id}/copies/{copy_id}"
    for who in (HUGO, JADE, PARENT_SIMPLE, LATIN_TEACHER):
        answer = await schoollife.get(who, path)
        assert answer.status_code == 404, who.user_id
    for who in (LEA, PARENT_DOUBLE, MATHS, FRENCH, SUBSTITUTE, DIRECTION):
        answer = await schoollife.get(who, path)
        assert answer.status_code == 200, who.user_id
        assert (
            "Martin Léa" in answer.headers["content-disposition"]
            or "Martin%20L" in (answer.headers["content-disposition"])
        )
    other = await schoollife.get(
        HUGO, f"{BASE}/homework/{homework_id}/copies", student_id=LEA.user_id
    )
    assert other.status_code == 404
    parent = await schoollife.get(
        PARENT_DOUBLE, f"{BASE}/homework/{homework_id}/copies", student_id=LEA.user_id
    )
    assert [c["copy_id"] for c in parent.json()] == [copy_id]


async def test_a_copy_of_another_type_is_refused_naming_the_field(schoollife: Schoollife) -> None:
    homework_id = await with_hand_in(schoollife)
    disguised = await hand_in(schoollife, homework_id, LEA, b"<html>not a pdf</html>")
    assert disguised.status_code == 400, disguised.text
    assert disguised.json()["errors"][0]["field"] == "file"
    declared = await hand_in(schoollife, homework_id, LEA, PDF, "copie.txt", "text/plain")
    assert declared.status_code == 400
    assert declared.json()["errors"][0]["field"] == "file"
    empty = await hand_in(schoollife, homework_id, LEA, b"")
    assert empty.status_code == 400
    tiny = await hand_in(schoollife, homework_id, LEA, b"%PDF")  # shorter than sniffed, unknown
    assert tiny.status_code == 400
    listing = (await schoollife.get(MATHS, f"{BASE}/homework/{homework_id}/hand-ins")).json()
    assert listing["missing"] == 2


async def test_a_copy_over_ten_megabytes_is_refused(schoollife: Schoollife) -> None:
    homework_id = await with_hand_in(schoollife)
    big = PDF + b"0" * (10 * 1024 * 1024)
    answer = await hand_in(schoollife, homework_id, LEA, big)
    assert answer.status_code == 413
    assert answer.json()["code"] == "copy_too_large"


async def test_only_a_student_of_the_group_hands_in_where_a_copy_is_asked(
    schoollife: Schoollife,
) -> None:
    homework_id = await with_hand_in(schoollife)
    assert (await hand_in(schoollife, homework_id, PARENT_DOUBLE)).status_code == 403
    assert (await hand_in(schoollife, homework_id, MATHS)).status_code == 403
    assert (await hand_in(schoollife, homework_id, JADE)).status_code == 404
    plain = (await given(schoollife))["homework_id"]
    refused = await hand_in(schoollife, plain, LEA)
    assert refused.status_code == 409
    assert refused.json()["code"] == "no_hand_in"


async def test_a_student_ticks_fait_where_no_copy_is_asked(schoollife: Schoollife) -> None:
    plain = (await given(schoollife))["homework_id"]
    ticked = await schoollife.put(LEA, f"{BASE}/homework/{plain}/done", {"done": True})
    assert ticked.status_code == 200
    assert ticked.json()["done"] is True
    page = (await schoollife.get(LEA, f"{BASE}/homework")).json()
    assert page["items"][0]["status"]["done"] is True
    assert (await schoollife.get(HUGO, f"{BASE}/homework")).json()["items"][0]["status"][
        "done"
    ] is False
    unticked = await schoollife.put(LEA, f"{BASE}/homework/{plain}/done", {"done": False})
    assert unticked.json()["done"] is False
    assert (
        await schoollife.put(PARENT_DOUBLE, f"{BASE}/homework/{plain}/done", {"done": True})
    ).status_code == 403
    with_copy = await with_hand_in(schoollife)
    refused = await schoollife.put(LEA, f"{BASE}/homework/{with_copy}/done", {"done": True})
    assert refused.status_code == 409
    assert refused.json()["code"] == "hand_in_asked"


async def test_the_zip_holds_every_copy_with_unique_names(schoollife: Schoollife) -> None:
    homework_id = await with_hand_in(schoollife)
    contents = [(LEA, PDF), (LEA, PDF + b"v2"), (HUGO, JPEG)]
    for who, content in contents:
        media_type = "image/jpeg" if content is JPEG else "application/pdf"
        assert (
            await hand_in(schoollife, homework_id, who, content, "x", media_type)
        ).status_code == 201
    answer = await schoollife.get(MATHS, f"{BASE}/homework/{homework_id}/hand-ins/zip")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    names = archive.namelist()
    assert len(names) == 3
    assert len(set(names)) == 3
    assert sorted(archive.read(n) for n in names) == sorted(c for _, c in contents)
    assert names[0].startswith("Martin Hugo - Mathématiques - ")
    assert names[0].endswith(".jpg")
    assert all(n.endswith(".pdf") for n in names[1:])
    assert (
        await schoollife.get(LEA, f"{BASE}/homework/{homework_id}/hand-ins/zip")
    ).status_code == 403
    assert (
        await schoollife.get(JADE, f"{BASE}/homework/{homework_id}/hand-ins/zip")
    ).status_code == 404


async def test_the_demo_seed_gives_work_and_copies_once(schoollife: Schoollife) -> None:
    from ent_schoollife.application.demo_notebook import seed_demo_notebook
    from ent_schoollife.application.roster import Roster
    from ent_schoollife.wiring import notebook as notebook_wiring

    runtime = schoollife.runtime
    day = today(schoollife)

    async def seed() -> None:
        await seed_demo_notebook(
            notebook_wiring.notebook(runtime),
            notebook_wiring.hand_ins(runtime),
            runtime.storage.documents,
            Roster(runtime.storage.documents),
            "school-1",
            day,
        )

    for _ in range(2):  # idempotent
        await in_service_loop(schoollife, seed)
    since = (day - timedelta(days=14)).isoformat()
    page = (await schoollife.get(MATHS, f"{BASE}/groups/{CLASS_6A}/homework", since=since)).json()
    assert len(page["items"]) == 6
    assert {h["subject"] for h in page["items"]} == {"Mathématiques", "Français"}
    asking = [h for h in page["items"] if h["hand_in"]]
    assert len(asking) == 2
    first = min(asking, key=lambda h: h["due_at"])
    listing = (
        await schoollife.get(MATHS, f"{BASE}/homework/{first['homework_id']}/hand-ins")
    ).json()
    assert (listing["on_time"], listing["late"], listing["missing"]) == (1, 1, 0)


async def test_the_copies_of_a_withdrawn_homework_stay_readable(schoollife: Schoollife) -> None:
    homework_id = await with_hand_in(schoollife)
    copy_id = (await hand_in(schoollife, homework_id, LEA)).json()["copy_id"]
    path = f"{BASE}/homework/{homework_id}"
    assert (await schoollife.delete(MATHS, path)).status_code == 204
    assert (await schoollife.get(LEA, path)).status_code == 404
    # The teacher lists, zips and downloads; the student lists and downloads her own.
    listing = await schoollife.get(MATHS, f"{path}/hand-ins")
    assert listing.status_code == 200, listing.text
    assert listing.json()["on_time"] == 1
    zipped = await schoollife.get(MATHS, f"{path}/hand-ins/zip")
    assert zipped.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()) == 1
    for who in (MATHS, LEA, PARENT_DOUBLE):
        got = await schoollife.get(who, f"{path}/copies/{copy_id}")
        assert got.status_code == 200, who.user_id
        assert got.content == PDF
    own = await schoollife.get(LEA, f"{path}/copies")
    assert [c["copy_id"] for c in own.json()] == [copy_id]
    # Nobody else, and nothing more handed in.
    assert (await schoollife.get(HUGO, f"{path}/copies/{copy_id}")).status_code == 404
    assert (await schoollife.get(LEA, f"{path}/hand-ins")).status_code == 403
    assert (await hand_in(schoollife, homework_id, HUGO)).status_code == 404


async def test_one_sniffed_upload_refuses_naming_the_field_of_each_use() -> None:
    """Copies and justification documents go through the same generator (file_types)."""

    async def consume(content: bytes, rule: UploadRule) -> tuple[bytes, list[str]]:
        async def chunks() -> AsyncIterator[bytes]:
            for i in range(0, len(content), 5):
                yield content[i : i + 5]

        found: list[str] = []
        return b"".join([c async for c in sniffed(chunks(), rule, found)]), found

    assert await consume(HEIC, COPY) == (HEIC, ["image/heic"])
    assert await consume(b"%PDF-1", DOCUMENT) == (b"%PDF-1", ["application/pdf"])
    for content, rule, field, code in (
        (HEIC, DOCUMENT, "document", "unsupported_document_type"),
        (b"<html></html>", COPY, "file", "unsupported_file_type"),
        (b"", DOCUMENT, "document", "empty_document"),
        (b"", HOMEWORK_DOCUMENT, "file", "empty_file"),
    ):
        with pytest.raises(Refused) as refused:
            await consume(content, rule)
        assert (refused.value.field, refused.value.reason) == (field, code)
    assert await consume(b"any text", HOMEWORK_DOCUMENT) == (b"any text", [""])
    with pytest.raises(BlobTooLarge):
        await consume(JPEG + b"\0" * (10 * 1024 * 1024), COPY)
