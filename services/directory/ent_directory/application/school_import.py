"""Import a school from CSV: students with their class, parents linked to their children,
teachers with their classes and subjects, staff with their function.

Two parts:
- `parse_csv` is pure: it reads rows one at a time (stdlib `csv`, `;`-separated, header
  required) and turns each into an `ImportRow` or a `RowError(line, reason)`. A bad row
  never stops the rest.
- `SchoolImport.run` applies the valid rows through `DirectoryCommands` only (events, never
  read-model writes). Ids are deterministic (uuid5 of the school and the file's
  `identifiant`), so a re-import updates what changed, deactivates who is missing and never
  duplicates anyone; the same file twice writes no new event.

Reasons are French: they are shown to the school's staff.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from ent_contracts import Actor
from ent_contracts.directory import Profile, UserRegistered, UserUpdated
from ent_kit.storage import DocumentReader, Query

from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.projections import GROUPS, USERS
from ent_directory.domain.model import DirectoryRefused

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
MAX_IMPORT_BYTES = 50 * 1024 * 1024
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
_PAGE = 1000


def user_id(school_id: str, external_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{school_id}:user:{external_id}"))


def class_group_id(school_id: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{school_id}:class:{name}"))


# --- pure part: rows ---------------------------------------------------------------------


class ImportFileError(ValueError):
    """The file cannot be imported at all (not UTF-8, no header, no data row): nothing was
    written."""


class ImportTooLarge(ImportFileError):
    pass


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
                raise ImportFileError(f"en-tête illisible : {error}") from None
            parsed.errors.append(RowError(line, f"ligne illisible : {error}"))
            continue
        except UnicodeDecodeError:
            raise ImportFileError(f"ligne {line} : le fichier n'est pas encodé en UTF-8") from None
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
                row = RowError(
                    line,
                    f"identifiant « {external_id} » déjà présent ligne {seen_ids[external_id]}",
                )
            else:
                seen_ids[external_id] = line
                parsed.external_ids.add(external_id)
        if isinstance(row, ImportRow) and row.login:
            if row.login in seen_logins:
                row = RowError(
                    line, f"login « {row.login} » déjà utilisé ligne {seen_logins[row.login]}"
                )
            else:
                seen_logins[row.login] = line
        if isinstance(row, RowError):
            parsed.errors.append(row)
        else:
            parsed.rows.append(row)
    if columns is None:
        raise ImportFileError("fichier vide : l'en-tête " + ";".join(COLUMNS) + " est requis")
    if not parsed.lines_read:
        raise ImportFileError("aucune ligne après l'en-tête : rien à importer")
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
            f"en-tête incomplet, colonnes manquantes : {', '.join(missing)} "
            f"(attendu, séparées par « ; » : {';'.join(COLUMNS)})"
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
        return RowError(line, f"{len(cells)} colonnes, {width} attendues (séparateur ;)")
    raw_profile = cell("profil")
    profile = PROFILES.get(_fold(raw_profile))
    if profile is None:
        return RowError(line, f"profil « {raw_profile} » inconnu (attendu : {', '.join(PROFILES)})")
    external_id, last_name, first_name = cell("identifiant"), cell("nom"), cell("prenom")
    for name, value in (("identifiant", external_id), ("nom", last_name), ("prenom", first_name)):
        if not value:
            return RowError(line, f"{name} manquant")
        if len(value) > MAX_TEXT:
            return RowError(line, f"{name} trop long (au plus {MAX_TEXT} caractères)")
    if "," in external_id:
        return RowError(line, "un identifiant ne peut pas contenir de virgule")
    login = cell("login").lower()
    if login and not _LOGIN.match(login):
        return RowError(line, f"login « {login} » invalide (lettres, chiffres, . _ - @)")
    if not login and not login_slug(first_name, last_name):
        return RowError(line, "login manquant et impossible à déduire du prénom et du nom")
    base = ImportRow(line, profile, external_id, last_name, first_name, login)
    lists = {name: _items(cell(name)) for name in ("classes", "matieres", "enfants")}
    for name, values in lists.items():
        if len(values) > MAX_ITEMS:
            return RowError(line, f"{name} : au plus {MAX_ITEMS} valeurs")
        if any(len(v) > MAX_TEXT for v in values):
            return RowError(line, f"{name} : valeur trop longue (au plus {MAX_TEXT} caractères)")
    match profile:
        case "student":
            return _student(base, lists["classes"])
        case "teacher":
            return _teacher(base, lists["classes"], lists["matieres"])
        case "parent":
            if not lists["enfants"]:
                return RowError(line, "un parent doit avoir au moins un enfant (colonne enfants)")
            return _with(base, children=tuple(lists["enfants"]))
        case _:
            raw_function = cell("fonction")
            function = FUNCTIONS.get(_fold(raw_function))
            if function is None:
                return RowError(
                    line, f"fonction « {raw_function} » inconnue (attendu : {', '.join(FUNCTIONS)})"
                )
            return _with(base, function=function)


def _student(base: ImportRow, classes: list[str]) -> ImportRow | RowError:
    if len(classes) != 1:
        return RowError(
            base.line, f"un élève est dans exactement une classe ({len(classes)} indiquées)"
        )
    if classes[0].startswith("*"):
        return RowError(base.line, "« * » (professeur principal) est réservé aux enseignants")
    return _with(base, classes=(classes[0],))


def _teacher(base: ImportRow, cells: list[str], subjects: list[str]) -> ImportRow | RowError:
    classes: dict[str, None] = {}
    main_of: dict[str, None] = {}
    for cell in cells:
        name = cell.removeprefix("*").strip()
        if not name:
            return RowError(base.line, "nom de classe vide après « * »")
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
            error = f"enfant « {strangers[0]} » : pas un élève valide de ce fichier"
        claimed = [c for c in row.main_of if c in mains]
        if error is None and claimed:
            error = (
                f"classe {claimed[0]} : professeur principal déjà désigné ligne {mains[claimed[0]]}"
            )
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


async def decode_lines(
    chunks: AsyncIterator[bytes], max_bytes: int = MAX_IMPORT_BYTES
) -> list[str]:
    """A streamed UTF-8 body (BOM accepted) decoded line by line, line ends kept as
    `csv` expects them. Raises ImportTooLarge past `max_bytes`, ImportFileError if not
    UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines: list[str] = []
    tail = ""
    size = 0
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise ImportTooLarge(f"fichier trop volumineux (au plus {max_bytes} octets)")
            tail = _split_lines(tail + decoder.decode(chunk), lines)
        tail += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportFileError(
            f"ligne {len(lines) + 1} : le fichier n'est pas encodé en UTF-8"
        ) from None
    if tail:
        lines.append(tail)
    return lines


_LINE_END = re.compile(r"\r\n|\r(?!\Z)|\n")


def _split_lines(text: str, into: list[str]) -> str:
    """Append the complete lines of `text` (ends kept) and return the unfinished rest; a
    final `\\r` waits for the next chunk, which may start with `\\n`."""
    start = 0
    for end in _LINE_END.finditer(text):
        into.append(text[start : end.end()])
        start = end.end()
    return text[start:]


# --- application part --------------------------------------------------------------------


class ImportReport(msgspec.Struct, kw_only=True):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    linked: int = 0  # new parent-child links
    errors: list[RowError] = []


Progress = Callable[[int, int], None]


class SchoolImport:
    """Applies a parsed file to one school through the directory's commands.

    `refresh` brings the directory read model up to date with the event store (the
    service waits for its projector; the command-line tool drains the projection itself):
    it is called before the users of the school are read."""

    def __init__(
        self,
        commands: DirectoryCommands,
        documents: DocumentReader,
        actor: Actor,
        refresh: Callable[[], Awaitable[object]],
    ) -> None:
        self._commands = commands
        self._documents = documents
        self._actor = actor
        self._refresh = refresh

    async def run(
        self, school_id: str, parsed: ParsedImport, progress: Progress | None = None
    ) -> ImportReport:
        """Progress counts steps: one per row, per class, per parent, plus the final sweep."""
        run = _Run(self._commands, self._documents, self._actor, school_id, parsed, progress)
        await self._commands.open_school(school_id, self._actor)
        await self._refresh()
        await run.people()
        await run.classes()
        await run.families()
        await run.sweep()
        run.report.errors.sort(key=lambda e: e.line)
        return run.report


class _Run:
    """One import: its counters, and who was saved or left as they were."""

    def __init__(
        self,
        commands: DirectoryCommands,
        documents: DocumentReader,
        actor: Actor,
        school_id: str,
        parsed: ParsedImport,
        progress: Progress | None,
    ) -> None:
        self.commands, self.documents, self.actor = commands, documents, actor
        self.school_id = school_id
        self.parsed = parsed
        self.report = ImportReport(errors=list(parsed.errors))
        self.parents = [r for r in parsed.rows if r.profile == "parent"]
        self.class_names = parsed.class_names()
        self.total = len(parsed.rows) + len(self.class_names) + len(self.parents) + 1
        self.done = 0
        self._progress = progress
        self.applied: dict[str, ImportRow] = {}  # external id → row, once the person is saved
        # Users whose row is wrong this time: their current classes are kept as they are.
        self.kept = {user_id(school_id, e) for e in parsed.external_ids} - {
            user_id(school_id, r.external_id) for r in parsed.rows
        }
        self.reserved_logins = {r.login for r in parsed.rows if r.login}

    def step(self) -> None:
        self.done += 1
        if self._progress is not None:
            self._progress(self.done, self.total)

    def fail(self, row: ImportRow, reason: str) -> None:
        self.report.errors.append(RowError(row.line, reason))
        self.kept.add(user_id(self.school_id, row.external_id))

    # --- people -------------------------------------------------------------------------

    async def people(self) -> None:
        rows = self.parsed.rows
        for start in range(0, len(rows), _PAGE):
            batch = rows[start : start + _PAGE]
            existing = await self.documents.get_many(
                USERS, [user_id(self.school_id, r.external_id) for r in batch]
            )
            for row in batch:
                try:
                    await self._person(row, existing.get(user_id(self.school_id, row.external_id)))
                except DirectoryRefused as refused:
                    self.fail(row, refused.message)
                self.step()

    async def _person(self, row: ImportRow, existing: dict[str, Any] | None) -> None:
        uid = user_id(self.school_id, row.external_id)
        if existing is not None and existing["profile"] != row.profile:
            return self.fail(
                row,
                f"profil différent du compte existant ({existing['profile']}) "
                ": un import ne change pas le profil",
            )
        if existing is None:
            login = await self._login_for(row, uid)
            if login is None:
                return self.fail(row, f"login « {row.login} » déjà pris par un autre compte")
            registration = UserRegistered(
                user_id=uid,
                school_id=self.school_id,
                login=login,
                first_name=row.first_name,
                last_name=row.last_name,
                profile=row.profile,
                classes=list(row.classes),
                function=row.function,
                subjects=list(row.subjects),
                external_id=row.external_id,
            )
            if await self.commands.register(registration, self.actor):
                self.reserved_logins.add(login)
                self.report.created += 1
                self.applied[row.external_id] = row
                return None
        details = UserUpdated(
            user_id=uid,
            first_name=row.first_name,
            last_name=row.last_name,
            classes=list(row.classes),
            function=row.function,
            subjects=list(row.subjects),
        )
        if await self.commands.update(details, self.actor):
            self.report.updated += 1
        else:
            self.report.unchanged += 1
        self.applied[row.external_id] = row
        if existing is not None and row.login and row.login != existing["login"]:
            self.report.errors.append(
                RowError(
                    row.line,
                    f"login conservé « {existing['login']} » : un import ne change pas "
                    "le login (le reste de la ligne est appliqué)",
                )
            )
        return None

    async def _login_for(self, row: ImportRow, uid: str) -> str | None:
        """The file's login if free; else `prenom.nom`, `prenom.nom2`… the first free."""
        if row.login:
            return row.login if await self._login_free(row.login, uid) else None
        base = login_slug(row.first_name, row.last_name)
        n = 1
        while True:
            login = base if n == 1 else f"{base}{n}"
            if login not in self.reserved_logins and await self._login_free(login, uid):
                return login
            n += 1

    async def _login_free(self, login: str, uid: str) -> bool:
        page = await self.documents.find(USERS, Query(where={"login": login}, limit=2))
        return all(doc["id"] == uid for doc in page.items)

    # --- classes ------------------------------------------------------------------------

    async def classes(self) -> None:
        members: dict[str, set[str]] = {name: set() for name in self.class_names}
        teachers: dict[str, set[str]] = {name: set() for name in self.class_names}
        mains: dict[str, str] = {}
        for row in self.applied.values():
            uid = user_id(self.school_id, row.external_id)
            for name in row.classes:
                (members if row.profile == "student" else teachers)[name].add(uid)
            mains.update(dict.fromkeys(row.main_of, uid))
        ids = {name: class_group_id(self.school_id, name) for name in self.class_names}
        current = await self._groups(list(ids.values()))
        for name, gid in ids.items():
            await self.commands.create_group(gid, self.school_id, "class", name, self.actor)
            await self._set_members(
                gid, current.get(gid), members[name], teachers[name], mains.get(name)
            )
            self.step()

    async def _groups(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), _PAGE):
            found |= await self.documents.get_many(GROUPS, ids[start : start + _PAGE])
        return found

    async def _set_members(
        self,
        gid: str,
        current: dict[str, Any] | None,
        members: set[str],
        teachers: set[str],
        main: str | None,
    ) -> None:
        """Exactly the file's students and teachers, plus whoever was there and whose row
        is wrong this time (left as they were)."""
        if current is not None:
            members |= set(current["members"]) & self.kept
            teachers |= set(current["teachers"]) & self.kept
            if main is None and current["main_teacher_id"] in self.kept:
                main = current["main_teacher_id"]
        await self.commands.set_membership(gid, members, teachers, self.actor, main_teacher_id=main)

    # --- families -----------------------------------------------------------------------

    async def families(self) -> None:
        for parent in self.parents:
            if parent.external_id in self.applied:
                await self._link(parent)
            self.step()

    async def _link(self, parent: ImportRow) -> None:
        parent_id = user_id(self.school_id, parent.external_id)
        for child in parent.children:
            if child not in self.applied:
                self.report.errors.append(
                    RowError(
                        parent.line,
                        f"enfant « {child} » non importé : lien parent non créé",
                    )
                )
                continue
            student_id = user_id(self.school_id, child)
            try:
                position = await self.commands.link_family(parent_id, student_id, self.actor)
            except DirectoryRefused as refused:
                self.report.errors.append(RowError(parent.line, refused.message))
                continue
            self.report.linked += position > 0

    # --- who left -----------------------------------------------------------------------

    async def sweep(self) -> None:
        """Deactivate the school's active users (from an import) missing from the file, and
        empty the imported classes the file no longer has."""
        leaving: list[str] = []
        query = Query(where={"school_id": self.school_id, "active": True}, limit=_PAGE)
        async for doc in _all(self.documents, USERS, query):
            external_id = doc.get("external_id")
            if external_id is not None and external_id not in self.parsed.external_ids:
                leaving.append(doc["id"])
        for uid in leaving:
            self.report.deactivated += await self.commands.deactivate(uid, self.actor)
        names = set(self.class_names)
        query = Query(where={"school_id": self.school_id, "kind": "class"}, limit=_PAGE)
        async for group in _all(self.documents, GROUPS, query):
            imported = group["id"] == class_group_id(self.school_id, group["name"])
            if imported and group["name"] not in names:
                await self._set_members(group["id"], group, set(), set(), None)
        self.step()


async def _all(
    documents: DocumentReader, collection: str, query: Query
) -> AsyncIterator[dict[str, Any]]:
    while True:
        page = await documents.find(collection, query)
        for doc in page.items:
            yield doc
        if page.next_cursor is None:
            return
        query = msgspec.structs.replace(query, after=page.next_cursor)
