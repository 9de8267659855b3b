"""School import from CSV: parsing with line numbers, idempotent re-import through the
directory's commands, on a real SQLite store; and the HTTP endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from directory_fixtures import Client, bearer, client, running_directory, service_bearer
from ent_contracts import SYSTEM, Actor
from ent_contracts.directory import UserRegistered
from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.csv_stream import MAX_IMPORT_BYTES, ImportTooLarge, decode_lines
from ent_directory.application.projections import GROUPS, USERS, DirectoryProjection
from ent_directory.application.school_import import ImportReport, SchoolImport
from ent_directory.domain.import_rows import (
    ImportFileError,
    ParsedImport,
    class_group_id,
    parse_csv,
    user_id,
)
from ent_directory.import_csv import import_school
from ent_kit.auth import Identity
from ent_kit.projections import LocalProjector
from ent_kit.scopes import DIRECTORY_REACHABILITY
from ent_kit.signal import AppendSignal
from ent_kit.storage import Query, Storage
from kit_fixtures import storage

__all__ = ["client", "storage"]

SCHOOL = "school-1"
HEADER = "profil;identifiant;nom;prenom;login;classes;matieres;fonction;enfants\n"
SAMPLE = Path(__file__).parents[2] / "services/directory/ent_directory/sample_import.csv"
ADMIN = Actor(kind="user", id="admin")


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def parse(text: str) -> ParsedImport:
    return parse_csv(text.splitlines(keepends=True))


def without(text: str, *external_ids: str) -> str:
    return "".join(
        line
        for line in text.splitlines(keepends=True)
        if not any(f";{e};" in line for e in external_ids)
    )


class Directory:
    """The import wired as the command-line tool wires it: commands, then the projection."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        signal = AppendSignal()
        self.projector = LocalProjector(storage, DirectoryProjection(), signal)
        self.commands = DirectoryCommands(storage.events, signal)
        self.importer = SchoolImport(self.commands, storage.documents, ADMIN, self.projector.drain)

    async def run(self, text: str, progress: Any = None, school: str = SCHOOL) -> ImportReport:
        report = await self.importer.run(school, parse(text), progress)
        await self.projector.drain()
        return report

    async def user(self, external_id: str, school: str = SCHOOL) -> dict[str, Any]:
        doc = await self.storage.documents.get(USERS, user_id(school, external_id))
        assert doc is not None, external_id
        return doc

    async def group(self, name: str) -> dict[str, Any]:
        doc = await self.storage.documents.get(GROUPS, class_group_id(SCHOOL, name))
        assert doc is not None, name
        return doc

    async def users(self, school: str = SCHOOL) -> list[dict[str, Any]]:
        page = await self.storage.documents.find(
            USERS, Query(where={"school_id": school}, limit=1000)
        )
        return page.items


@pytest.fixture
async def directory(storage: Storage) -> Directory:
    return Directory(storage)


def lines_and_reasons(parsed: ParsedImport) -> list[tuple[int, str]]:
    return [(e.line, e.reason) for e in parsed.errors]


# --- parsing (pure) -------------------------------------------------------------------------


def test_bad_rows_are_reported_with_their_line_and_do_not_stop_the_rest() -> None:
    text = (
        HEADER  # line 1
        + "eleve;S1;Martin;Lucas;;6A;;;\n"  # 2: fine
        + "directeur;X1;Durand;Paul;;;;;\n"  # 3: unknown profil
        + "\n"  # 4: blank, skipped
        + "eleve;S2;;Emma;;6A;;;\n"  # 5: no nom
        + "eleve;S3;Petit;Noah;;6A,6B;;;\n"  # 6: two classes
        + "personnel;P1;Lefort;Hélène;;;;cantine;\n"  # 7: unknown fonction
        + "eleve;S1;Martin;Louis;;6B;;;\n"  # 8: identifiant of line 2 again
        + "enseignant;E1;Roux;Ana;lucas.martin;6A;Anglais;;\n"  # 9: fine (explicit login)
        + "enseignant;E2;Roux;Léo;LUCAS.MARTIN;6A;EPS;;\n"  # 10: login of line 9 again
        + "parent;R1;Martin;Claire;;;;;S1,S9\n"  # 11: S9 is not in the file
        + 'eleve;S4;"Le\nGall";Zoé;;5A;;;\n'  # 12-13: a quoted name over two lines
        + "eleve;S5;Girard;Yann;;;;;\n"  # 14: no class
        + "personnel;P2;Besnard;Karim;;;;Vie scolaire;\n"  # 15: fine (folded function)
    )
    parsed = parse(text)

    errors = lines_and_reasons(parsed)
    assert [line for line, _ in errors] == [3, 5, 6, 7, 8, 10, 11, 14]
    reasons = dict(errors)
    assert "profil « directeur » inconnu" in reasons[3]
    assert "nom manquant" in reasons[5]
    assert "exactement une classe" in reasons[6]
    assert "fonction « cantine » inconnue" in reasons[7]
    assert "déjà présent ligne 2" in reasons[8]
    assert "login « lucas.martin » déjà utilisé ligne 9" in reasons[10]
    assert "enfant « S9 »" in reasons[11]
    assert "exactement une classe (0" in reasons[14]
    assert [r.external_id for r in parsed.rows] == ["S1", "E1", "S4", "P2"]
    assert parsed.rows[2].last_name == "Le\nGall"
    assert parsed.rows[3].function == "vie_scolaire"
    assert parsed.lines_read == 12
    # Every identifiant read, bad rows included, is protected from deactivation.
    assert parsed.external_ids == {"S1", "X1", "S2", "S3", "P1", "E1", "E2", "R1", "S4", "S5", "P2"}


def test_teacher_classes_main_flag_and_one_main_teacher_per_class() -> None:
    parsed = parse(
        HEADER
        + "enseignant;E1;Roux;Ana;;*6A, 6B ,6A;Anglais,Espagnol;;\n"
        + "enseignant;E2;Morel;Jean;;*6A;Maths;;\n"
        + "enseignant;E3;Blanc;Eve;;*;Maths;;\n"
    )
    assert lines_and_reasons(parsed)[0][0] == 3
    assert "professeur principal déjà désigné ligne 2" in lines_and_reasons(parsed)[0][1]
    assert lines_and_reasons(parsed)[1][0] == 4
    (teacher,) = parsed.rows
    assert teacher.classes == ("6A", "6B")
    assert teacher.main_of == ("6A",)
    assert teacher.subjects == ("Anglais", "Espagnol")


def test_header_bom_and_unreadable_files() -> None:
    bom = parse("\ufeff" + HEADER.upper().replace("PRENOM", "Prénom") + "eleve;S1;A;B;;6A;;;\n")
    assert [r.external_id for r in bom.rows] == ["S1"]
    with pytest.raises(ImportFileError, match="colonnes manquantes : enfants"):
        parse(HEADER.replace(";enfants", "") + "eleve;S1;A;B;;6A;;\n")
    with pytest.raises(ImportFileError, match="séparées par « ; »"):
        parse(HEADER.replace(";", ",") + "eleve,S1,A,B,,6A,,,\n")
    with pytest.raises(ImportFileError, match="en-tête"):
        parse("")
    with pytest.raises(ImportFileError, match="aucune ligne"):
        parse(HEADER + "\n")


async def test_streamed_body_is_decoded_line_by_line_across_chunks() -> None:
    body = ("\ufeff" + HEADER + "eleve;S1;Lefèvre;Zoé;;6A;;;\r\neleve;S2;B;C;;6A;;;").encode()
    split = body.index(b"\r") + 1  # a chunk ends between \r and \n
    accent = body.index("è".encode()) + 1  # and another inside a two-byte character

    async def chunks() -> AsyncIterator[bytes]:
        for part in (body[:accent], body[accent:split], body[split:]):
            yield part

    lines = await decode_lines(chunks())
    assert lines == [HEADER, "eleve;S1;Lefèvre;Zoé;;6A;;;\r\n", "eleve;S2;B;C;;6A;;;"]
    assert [r.last_name for r in parse_csv(lines).rows] == ["Lefèvre", "B"]

    async def latin1() -> AsyncIterator[bytes]:
        yield (HEADER + "eleve;S1;Lefèvre;Zoé;;6A;;;\n").encode("latin-1")

    with pytest.raises(ImportFileError, match="UTF-8"):
        await decode_lines(latin1())

    async def big() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"x" * 1000

    with pytest.raises(ImportTooLarge, match="volumineux"):
        await decode_lines(big(), max_bytes=2500)


# --- import through the commands --------------------------------------------------------------


async def test_sample_school_imports_three_classes(directory: Directory) -> None:
    report = await directory.run(sample_text())

    assert (report.created, report.updated, report.unchanged) == (24, 0, 0)
    assert (report.deactivated, report.linked, report.errors) == (0, 9, [])
    users = await directory.users()
    assert len(users) == 24
    by_profile = {
        p: sum(u["profile"] == p for u in users) for p in ("student", "parent", "teacher", "staff")
    }
    assert by_profile == {"student": 9, "parent": 8, "teacher": 4, "staff": 3}
    for name in ("6A", "6B", "5A"):
        group = await directory.group(name)
        assert group["kind"] == "class"
        assert len(group["members"]) == 3
    chloe = await directory.user("S002")
    assert (chloe["login"], chloe["classes"], chloe["external_id"]) == (
        "chloe.bernard",
        ["6A"],
        "S002",
    )
    assert (await directory.user("P003"))["login"] == "s.nguyen"
    assert (await directory.user("P001"))["function"] == "direction"
    assert (await directory.user("E003"))["subjects"] == ["Anglais", "Espagnol"]


async def test_same_file_again_changes_nothing_and_writes_no_event(directory: Directory) -> None:
    await directory.run(sample_text())
    before = await directory.storage.events.last_position()

    report = await directory.run(sample_text())

    assert (report.created, report.updated, report.unchanged) == (0, 0, 24)
    assert (report.deactivated, report.linked, report.errors) == (0, 0, [])
    assert await directory.storage.events.last_position() == before


async def test_changed_name_is_updated(directory: Directory) -> None:
    await directory.run(sample_text())

    report = await directory.run(sample_text().replace(";Petit;Noah;", ";Petit-Roy;Noah;"))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 23)
    noah = await directory.user("S003")
    assert (noah["last_name"], noah["display_name"]) == ("Petit-Roy", "Noah Petit-Roy")
    assert noah["login"] == "noah.petit"  # a login never changes


async def test_removed_row_is_deactivated_and_leaves_its_class(directory: Directory) -> None:
    await directory.run(sample_text())

    report = await directory.run(without(sample_text(), "S009", "R008"))

    assert (report.deactivated, report.unchanged, report.errors) == (2, 22, [])
    assert (await directory.user("S009"))["active"] is False
    assert (await directory.user("R008"))["active"] is False
    assert user_id(SCHOOL, "S009") not in (await directory.group("5A"))["members"]
    assert len(await directory.users()) == 24  # deactivated, not deleted

    back = await directory.run(sample_text())
    assert (back.created, back.updated, back.deactivated) == (0, 2, 0)  # reactivated
    assert (await directory.user("S009"))["active"] is True


async def test_new_row_is_created_once(directory: Directory) -> None:
    await directory.run(sample_text())
    text = sample_text() + "eleve;S010;Martin;Lucas;;5A;;;\n"  # same name as S001

    first = await directory.run(text)
    second = await directory.run(text)

    assert (first.created, first.unchanged) == (1, 24)
    assert (second.created, second.unchanged) == (0, 25)
    users = await directory.users()
    assert len(users) == 25
    assert sum(u["external_id"] == "S010" for u in users) == 1
    assert (await directory.user("S010"))["login"] == "lucas.martin2"


async def test_parent_linked_to_two_children(directory: Directory) -> None:
    await directory.run(sample_text())

    claire = await directory.user("R001")
    children = {user_id(SCHOOL, "S001"), user_id(SCHOOL, "S007")}
    assert set(claire["relatives"]) == children
    assert set(claire["parent_of"]) == {class_group_id(SCHOOL, "6A"), class_group_id(SCHOOL, "5A")}
    assert user_id(SCHOOL, "R001") in (await directory.user("S007"))["relatives"]


async def test_main_teacher_flag_reaches_the_class(directory: Directory) -> None:
    await directory.run(sample_text())

    six_a = await directory.group("6A")
    assert six_a["main_teacher_id"] == user_id(SCHOOL, "E001")
    assert set(six_a["teachers"]) == {user_id(SCHOOL, e) for e in ("E001", "E002", "E003", "E004")}
    assert (await directory.user("E001"))["main_teacher_of"] == [class_group_id(SCHOOL, "6A")]

    moved = sample_text().replace(";*6A,6B;", ";6A,6B;").replace(";6A,6B,5A;EPS", ";*6A,6B,5A;EPS")
    report = await directory.run(moved)

    assert report.updated == 0  # the users' classes are the same; only the group changed
    assert (await directory.group("6A"))["main_teacher_id"] == user_id(SCHOOL, "E004")
    assert (await directory.user("E001"))["main_teacher_of"] == []


async def test_progress_counts_up_to_the_total(directory: Directory) -> None:
    calls: list[tuple[int, int]] = []

    await directory.run(sample_text(), progress=lambda done, total: calls.append((done, total)))

    total = 24 + 3 + 8 + 1  # rows, classes, parents, final sweep
    assert calls == [(n, total) for n in range(1, total + 1)]


async def test_bad_row_leaves_the_person_as_they_were(directory: Directory) -> None:
    await directory.run(sample_text())

    broken = sample_text().replace("eleve;S004;Durand;Inès;;6B;", "eleve;S004;Durand;Inès;;;")
    report = await directory.run(broken)

    # Line 21 is Inès's parent: a child whose row is wrong cannot be linked.
    assert [e.line for e in report.errors] == [12, 21]
    assert (report.deactivated, report.unchanged) == (0, 22)
    assert (await directory.user("S004"))["active"] is True
    assert (await directory.user("R004"))["active"] is True
    assert user_id(SCHOOL, "S004") in (await directory.group("6B"))["members"]


async def test_users_without_external_id_and_other_schools_are_left_alone(
    directory: Directory,
) -> None:
    seeded = UserRegistered(
        user_id="seed-1",
        school_id=SCHOOL,
        login="claire.directrice",
        first_name="Claire",
        last_name="Directrice",
        profile="staff",
        function="direction",
    )
    await directory.commands.register(seeded, SYSTEM)
    await directory.run(sample_text(), school="school-2")

    report = await directory.run(HEADER + "eleve;S001;Martin;Lucas;;6A;;;\n")

    assert report.deactivated == 0
    assert (await directory.storage.documents.get(USERS, "seed-1") or {})["active"] is True
    assert all(u["active"] for u in await directory.users("school-2"))
    # Same identifiant in another school: another person, another login.
    assert (await directory.user("S001"))["login"] == "lucas.martin2"


async def test_profile_and_taken_login_are_refused_per_row(directory: Directory) -> None:
    await directory.run(sample_text())

    changed = (
        sample_text().replace("eleve;S009;Girard;Zoé;;5A", "enseignant;S009;Girard;Zoé;;5A")
        + "eleve;S010;Roux;Tom;claire.martin;5A;;;\n"  # R001's login
        + "eleve;S011;Roux;Jade;;5A;;;\n"
    )
    report = await directory.run(changed)

    reasons = {e.line: e.reason for e in report.errors}
    assert "profil différent" in reasons[17]
    assert "déjà pris" in reasons[26]
    assert (report.created, report.deactivated) == (1, 0)
    assert (await directory.user("S009"))["profile"] == "student"
    assert user_id(SCHOOL, "S009") in (await directory.group("5A"))["members"]


# --- HTTP -------------------------------------------------------------------------------------


@pytest.fixture
async def imported(tmp_path: Path) -> AsyncIterator[Client]:
    """The directory once the school's first file went in, as the operator's command does
    it (`python -m ent_directory.import_csv`): its direction exists from then on."""
    store = tmp_path / "imported.db"
    await import_school(f"sqlite://{store}", SCHOOL, parse(sample_text()))
    async with running_directory(store) as test_client:
        yield test_client


DIRECTION = bearer(Identity(user_id=user_id(SCHOOL, "P001"), profile="staff", school_id=SCHOOL))


def csv_body(text: str) -> dict[str, Any]:
    return {"content": text.encode(), "headers": {"content-type": "text/csv; charset=utf-8"}}


async def test_http_import_by_the_schools_direction_only(imported: Client) -> None:
    client = imported
    url = f"/directory/schools/{SCHOOL}/import"
    body = csv_body(sample_text())
    # No service imports: a service token, even one this service accepts, is refused.
    service = service_bearer("mail", "directory", DIRECTORY_REACHABILITY)
    by_service = await client.post(
        url, content=body["content"], headers={**body["headers"], **service}
    )
    assert by_service.status_code == 403, by_service.text

    direction = DIRECTION
    again = await client.post(
        url, content=body["content"], headers={**body["headers"], **direction}
    )
    assert again.status_code == 200, again.text
    assert again.json()["unchanged"] == 24

    teacher = bearer(Identity(user_id=user_id(SCHOOL, "E001"), profile="teacher", school_id=SCHOOL))
    refused = await client.post(
        url, content=body["content"], headers={**body["headers"], **teacher}
    )
    assert refused.status_code == 403
    other_school = await client.post(
        "/directory/schools/school-2/import",
        content=body["content"],
        headers={**body["headers"], **direction},
    )
    assert other_school.status_code == 403

    bad_header = await client.post(
        url, content=b"nom;prenom\nA;B\n", headers={"content-type": "text/csv", **direction}
    )
    assert bad_header.status_code == 400
    unreadable = bad_header.json()
    assert unreadable["code"] == "validation_failed"
    assert [(e["field"], e["reason"]) for e in unreadable["errors"]] == [
        ("file", "invalid_import_file")
    ]
    not_csv = await client.post(url, json={"rows": []}, headers=direction)
    assert not_csv.status_code == 415

    schema = (await client.get("/schema/openapi.json")).json()
    assert "/directory/schools/{school_id}/import" in schema["paths"]


async def test_http_import_checks_the_caller_before_what_they_sent(imported: Client) -> None:
    """Who may not import learns 403, never whether the media type or the declared length
    would have been refused (415, 413): those come only after the caller's right."""
    client = imported
    url = f"/directory/schools/{SCHOOL}/import"
    direction = DIRECTION
    teacher = bearer(Identity(user_id=user_id(SCHOOL, "E001"), profile="teacher", school_id=SCHOOL))
    too_long = {"content-type": "text/csv", "content-length": str(MAX_IMPORT_BYTES + 1)}

    not_csv = await client.post(url, json={"rows": []}, headers=teacher)
    assert not_csv.status_code == 403, not_csv.text
    assert not_csv.json()["code"] == "reserved_to_direction"
    declared_too_long = await client.post(url, content=b"", headers={**too_long, **teacher})
    assert declared_too_long.status_code == 403, declared_too_long.text
    assert declared_too_long.json()["code"] == "reserved_to_direction"

    # The same requests from who may import: refused for what they sent.
    assert (await client.post(url, json={"rows": []}, headers=direction)).status_code == 415
    too_large = await client.post(url, content=b"", headers={**too_long, **direction})
    assert too_large.status_code == 413, too_large.text
    assert too_large.json()["code"] == "too_large"
