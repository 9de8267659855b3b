"""The rows of a school's CSV file, read and checked without I/O.

`parse_csv` reads rows one at a time (stdlib `csv`, `;`-separated, header required) and
turns each into an `ImportRow` or a `RowError(line, reason)`: a bad row never stops the
rest. Ids are deterministic (uuid5 of the school and the file's `identifiant`), so that a
re-import finds the same people and classes again. Reasons are shown to the school's staff.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from ent_contracts.directory import Profile
from ent_kit.errors import Refused

from ent_directory import texts

NAMESPACE = uuid.UUID("b0a1c6de-5f7e-4b8e-9c2d-3a4f5e6d7c81")
COLUMNS = (
    "profil",
    "identifiant",
    "nom",
    "prenom",
    "login",
    "classes",
    "matieres",
    "fonction",
    "enfants",
)
PROFILES: dict[str, Profile] = {
    "eleve": "student",
    "parent": "parent",
    "enseignant": "teacher",
    "personnel": "staff",
}
FUNCTIONS = {
    "direction": "direction",
    "vie_scolaire": "vie_scolaire",
    "secretariat": "secretariat",
    "autre": "other",
}
MAX_TEXT = 100  # characters in a name, identifiant, class or subject
MAX_ITEMS = 50  # classes, subjects or children in one cell
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


def user_id(school_id: str, external_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{school_id}:user:{external_id}"))


def class_group_id(school_id: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{school_id}:class:{name}"))


class ImportFileError(Refused):
    """The file cannot be imported at all (not UTF-8, no header, no data row): nothing was
    written."""

    def __init__(self, message: str) -> None:
        super().__init__("file", "invalid_import_file", message)


class RowError(msgspec.Struct, frozen=True):
    line: int  # in the file; the header is line 1
    reason: str


@dataclass(frozen=True)
class ImportRow:
    line: int
    profile: Profile
    external_id: str
    last_name: str
    first_name: str
    login: str  # lower-case; empty: `prenom.nom` is chosen when the account is created
    classes: tuple[str, ...] = ()  # a student's one class, or the classes a teacher teaches
    main_of: tuple[str, ...] = ()  # classes whose main teacher this teacher is
    subjects: tuple[str, ...] = ()
    function: str | None = None
    children: tuple[str, ...] = ()  # identifiants of a parent's children


@dataclass
class ParsedImport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Every identifiant read, bad rows included: a person whose row is wrong this time is
    # left as they are, never deactivated as "missing".
    external_ids: set[str] = field(default_factory=set)
    lines_read: int = 0  # data rows (blank lines aside)

    def class_names(self) -> list[str]:
        names = {c: None for r in self.rows for c in r.classes}
        return list(names)


def parse_csv(lines: Iterable[str]) -> ParsedImport:
    """Rows of a `;`-separated UTF-8 file (lines as read with `newline=""`). Raises
    ImportFileError for a file that is not UTF-8 or lacks the header."""
    parsed = ParsedImport()
    reader = csv.reader(_first_without_bom(lines), delimiter=";")
    columns: dict[str, int] | None = None
    width = 0
    seen_ids: dict[str, int] = {}
    seen_logins: dict[str, int] = {}
    last_line = 0
    while True:
        line = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            last_line = reader.line_num
            if columns is None:
                raise ImportFileError(texts.HEADER_UNREADABLE.format(error=error)) from None
            parsed.errors.append(RowError(line, texts.ROW_UNREADABLE.format(error=error)))
            continue
        except UnicodeDecodeError:
            raise ImportFileError(texts.FILE_NOT_UTF8.format(line=line)) from None
        last_line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if columns is None:
            columns, width = _header(cells), len(cells)
            continue
        parsed.lines_read += 1
        row = _row(line, cells, columns, width)
        external_id = _cell(cells, columns, "identifiant")
        if external_id:
            if external_id in seen_ids:
                first = seen_ids[external_id]
                row = RowError(line, texts.DUPLICATE_ID.format(external_id=external_id, line=first))
            else:
                seen_ids[external_id] = line
                parsed.external_ids.add(external_id)
        if isinstance(row, ImportRow) and row.login:
            if row.login in seen_logins:
                first = seen_logins[row.login]
                row = RowError(line, texts.DUPLICATE_LOGIN.format(login=row.login, line=first))
            else:
                seen_logins[row.login] = line
        if isinstance(row, RowError):
            parsed.errors.append(row)
        else:
            parsed.rows.append(row)
    if columns is None:
        raise ImportFileError(texts.FILE_EMPTY.format(columns=";".join(COLUMNS)))
    if not parsed.lines_read:
        raise ImportFileError(texts.NO_DATA_ROWS)
    _check_across_rows(parsed)
    return parsed


def _first_without_bom(lines: Iterable[str]) -> Iterable[str]:
    first = True
    for line in lines:
        yield line.removeprefix("\ufeff") if first else line
        first = False


def _header(cells: list[str]) -> dict[str, int]:
    names = [_fold(c) for c in cells]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ImportFileError(
            texts.HEADER_INCOMPLETE.format(missing=", ".join(missing), columns=";".join(COLUMNS))
        )
    return {c: names.index(c) for c in COLUMNS}


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    i = columns[name]
    return cells[i].strip() if i < len(cells) else ""


def _items(text: str) -> list[str]:
    """A comma-separated cell, without blanks or repeats, in the file's order."""
    return list({p.strip(): None for p in text.split(",") if p.strip()})


def _row(line: int, cells: list[str], columns: dict[str, int], width: int) -> ImportRow | RowError:
    def cell(name: str) -> str:
        return _cell(cells, columns, name)

    if any(c.strip() for c in cells[width:]):
        return RowError(line, texts.TOO_MANY_COLUMNS.format(found=len(cells), expected=width))
    raw_profile = cell("profil")
    profile = PROFILES.get(_fold(raw_profile))
    if profile is None:
        expected = ", ".join(PROFILES)
        return RowError(line, texts.UNKNOWN_PROFILE.format(profile=raw_profile, expected=expected))
    external_id, last_name, first_name = cell("identifiant"), cell("nom"), cell("prenom")
    for name, value in (("identifiant", external_id), ("nom", last_name), ("prenom", first_name)):
        if not value:
            return RowError(line, texts.CELL_MISSING.format(name=name))
        if len(value) > MAX_TEXT:
            return RowError(line, texts.CELL_TOO_LONG.format(name=name, max=MAX_TEXT))
    if "," in external_id:
        return RowError(line, texts.COMMA_IN_ID)
    login = cell("login").lower()
    if login and not _LOGIN.match(login):
        return RowError(line, texts.INVALID_LOGIN.format(login=login))
    if not login and not login_slug(first_name, last_name):
        return RowError(line, texts.NO_LOGIN)
    base = ImportRow(line, profile, external_id, last_name, first_name, login)
    lists = {name: _items(cell(name)) for name in ("classes", "matieres", "enfants")}
    for name, values in lists.items():
        if len(values) > MAX_ITEMS:
            return RowError(line, texts.TOO_MANY_VALUES.format(name=name, max=MAX_ITEMS))
        if any(len(v) > MAX_TEXT for v in values):
            return RowError(line, texts.VALUE_TOO_LONG.format(name=name, max=MAX_TEXT))
    match profile:
        case "student":
            return _student(base, lists["classes"])
        case "teacher":
            return _teacher(base, lists["classes"], lists["matieres"])
        case "parent":
            if not lists["enfants"]:
                return RowError(line, texts.PARENT_WITHOUT_CHILD)
            return _with(base, children=tuple(lists["enfants"]))
        case _:
            raw_function = cell("fonction")
            function = FUNCTIONS.get(_fold(raw_function))
            if function is None:
                expected = ", ".join(FUNCTIONS)
                return RowError(
                    line, texts.UNKNOWN_FUNCTION.format(function=raw_function, expected=expected)
                )
            return _with(base, function=function)


def _student(base: ImportRow, classes: list[str]) -> ImportRow | RowError:
    if len(classes) != 1:
        return RowError(base.line, texts.ONE_CLASS_PER_STUDENT.format(count=len(classes)))
    if classes[0].startswith("*"):
        return RowError(base.line, texts.MAIN_MARK_FOR_TEACHERS)
    return _with(base, classes=(classes[0],))


def _teacher(base: ImportRow, cells: list[str], subjects: list[str]) -> ImportRow | RowError:
    classes: dict[str, None] = {}
    main_of: dict[str, None] = {}
    for cell in cells:
        name = cell.removeprefix("*").strip()
        if not name:
            return RowError(base.line, texts.EMPTY_CLASS_NAME)
        classes[name] = None
        if cell.startswith("*"):
            main_of[name] = None
    return _with(base, classes=tuple(classes), main_of=tuple(main_of), subjects=tuple(subjects))


def _with(row: ImportRow, **changes: Any) -> ImportRow:
    return dataclasses.replace(row, **changes)


def _check_across_rows(parsed: ParsedImport) -> None:
    """What one row cannot tell: children are students of the file; one main teacher per
    class."""
    students = {r.external_id for r in parsed.rows if r.profile == "student"}
    mains: dict[str, int] = {}
    kept: list[ImportRow] = []
    for row in parsed.rows:
        error: str | None = None
        strangers = [c for c in row.children if c not in students]
        if strangers:
            error = texts.UNKNOWN_CHILD.format(child=strangers[0])
        claimed = [c for c in row.main_of if c in mains]
        if error is None and claimed:
            error = texts.MAIN_TEACHER_TAKEN.format(name=claimed[0], line=mains[claimed[0]])
        if error is not None:
            parsed.errors.append(RowError(row.line, error))
            continue
        mains.update(dict.fromkeys(row.main_of, row.line))
        kept.append(row)
    parsed.rows = kept
    parsed.errors.sort(key=lambda e: e.line)


def _fold(text: str) -> str:
    """`Élève`, `eleve ` and `ELEVE` alike; `vie scolaire` as `vie_scolaire`."""
    plain = unicodedata.normalize("NFKD", text.strip().removeprefix("\ufeff"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[\s-]+", "_", plain)


def login_slug(first_name: str, last_name: str) -> str:
    """`prenom.nom` in lower-case ASCII: `Chloé`, `Le Gall` → `chloe.legall`."""
    first, last = (re.sub(r"[^a-z0-9]", "", _fold(n)) for n in (first_name, last_name))
    return f"{first}.{last}" if first and last else ""
