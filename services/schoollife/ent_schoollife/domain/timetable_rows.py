"""The rows of a timetable CSV file, read and checked without I/O.

Format (UTF-8, BOM accepted, `;`-separated, one header row, columns in any order):
`jour;debut;fin;matiere;enseignant;groupe;salle;du;au`
- jour: lundi … samedi (or 1 … 6); debut, fin: HH:MM (or 8h30);
- matiere: the subject's name; enseignant: the teacher's id or login (or "Prénom Nom");
- groupe: the class's or group's name in the school; salle: may be empty;
- du, au: the period (AAAA-MM-JJ or JJ/MM/AAAA), may be empty: the school year.
Every cell of a row is checked: a row may have several errors, each naming its column."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

import msgspec

from ent_schoollife.texts import timetable as texts

COLUMNS = ("jour", "debut", "fin", "matiere", "enseignant", "groupe", "salle", "du", "au")
REQUIRED = ("jour", "debut", "fin", "matiere", "enseignant", "groupe")
MAX_ROWS = 5000
MAX_TEXT = 80
DAYS = {"lundi": 1, "mardi": 2, "mercredi": 3, "jeudi": 4, "vendredi": 5, "samedi": 6}
_DIGITS = {str(n) for n in DAYS.values()}
_TIME = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})?$")


class RowError(msgspec.Struct, frozen=True, kw_only=True):
    line: int  # in the file: the header is line 1
    column: str  # the column at fault ("" for the whole line)
    reason: str


@dataclass(frozen=True, kw_only=True)
class TimetableRow:
    line: int
    weekday: int
    start: time
    end: time
    subject: str
    teacher: str  # as written: resolved against the school's teachers later
    group: str
    room: str
    starts_on: date | None
    ends_on: date | None


@dataclass
class ParsedTimetable:
    rows: list[TimetableRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    header_error: str | None = None  # the file cannot be read at all


def folded(text: str) -> str:
    """Lower case, accents and surrounding spaces gone: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_timetable(lines: Iterable[str]) -> ParsedTimetable:
    parsed = ParsedTimetable()
    reader = csv.reader(lines, delimiter=";")
    header = next(reader, None)
    if header is None:
        parsed.header_error = texts.NO_HEADER.format(columns=";".join(COLUMNS))
        return parsed
    names = [folded(cell) for cell in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        parsed.header_error = texts.MISSING_COLUMNS.format(columns=", ".join(missing))
        return parsed
    where = {name: names.index(name) for name in COLUMNS if name in names}
    line, count = 2, 0
    for cells in reader:
        next_line = reader.line_num + 1  # a quoted cell may span lines
        if not any(cell.strip() for cell in cells):
            line = next_line
            continue
        count += 1
        if count > MAX_ROWS:
            parsed.header_error = texts.TOO_MANY_ROWS.format(max=MAX_ROWS)
            return parsed
        if len(cells) != len(header):
            found, expected = len(cells), len(header)
            reason = texts.WRONG_WIDTH.format(found=found, expected=expected)
            parsed.errors.append(RowError(line=line, column="", reason=reason))
        else:
            _read_row(parsed, line, {name: cells[i].strip() for name, i in where.items()})
        line = next_line
    if not parsed.rows and not parsed.errors:
        parsed.header_error = texts.NO_ROWS
    return parsed


def _read_row(parsed: ParsedTimetable, line: int, cells: dict[str, str]) -> None:
    row = _Row(line, cells)
    result = row.parsed()
    if result is None:
        parsed.errors.extend(row.errors)
    else:
        parsed.rows.append(result)


class _Row:
    def __init__(self, line: int, cells: dict[str, str]) -> None:
        self.line = line
        self.cells = cells
        self.errors: list[RowError] = []

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(line=self.line, column=column, reason=reason))

    def parsed(self) -> TimetableRow | None:
        weekday = self.day()
        start, end = self.time("debut"), self.time("fin")
        subject, teacher, group = self.text("matiere"), self.text("enseignant"), self.text("groupe")
        room = self.text("salle", required=False)
        starts_on, ends_on = self.date("du"), self.date("au")
        if self.errors:
            return None
        assert weekday is not None
        assert start is not None
        assert end is not None
        return TimetableRow(
            line=self.line,
            weekday=weekday,
            start=start,
            end=end,
            subject=subject,
            teacher=teacher,
            group=group,
            room=room,
            starts_on=starts_on,
            ends_on=ends_on,
        )

    def day(self) -> int | None:
        value = self.cells.get("jour", "")
        day = DAYS.get(folded(value)) or (int(value) if value in _DIGITS else None)
        if day is None:
            self.fail("jour", texts.EMPTY_CELL if not value else texts.BAD_DAY.format(value=value))
        return day

    def time(self, column: str) -> time | None:
        value = self.cells.get(column, "")
        match = _TIME.match(value)
        if match is not None:
            hours, minutes = int(match.group(1)), int(match.group(2) or 0)
            if hours < 24 and minutes < 60:
                return time(hours, minutes)
        self.fail(column, texts.EMPTY_CELL if not value else texts.BAD_TIME.format(value=value))
        return None

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.cells.get(column, "")
        if required and not value:
            self.fail(column, texts.EMPTY_CELL)
        elif len(value) > MAX_TEXT:
            self.fail(column, texts.TOO_LONG.format(max=MAX_TEXT))
        return value

    def date(self, column: str) -> date | None:
        value = self.cells.get(column, "")
        if not value:
            return None
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(value, pattern).date()
            except ValueError:
                continue
        self.fail(column, texts.BAD_DATE.format(value=value))
        return None
