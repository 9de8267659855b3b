"""Import a school from a CSV file, from the command line.

    python -m ent_directory.import_csv --store-url sqlite:///…/directory/store.db \\
        --school-id <school id> school.csv

Events are appended to the directory's store directly; the running service's outbox relay
and projector poll the log and pick them up. Exit code 0 when the file was imported (bad
rows are listed), 2 when the file or its header cannot be read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import msgspec
from ent_contracts import Actor
from ent_kit.projections import LocalProjector
from ent_kit.signal import AppendSignal
from ent_kit.storage import open_storage
from tqdm import tqdm

from ent_directory import texts
from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.projections import USERS, DirectoryProjection
from ent_directory.application.school_import import ImportReport, Progress, SchoolImport
from ent_directory.domain.import_rows import ImportFileError, ParsedImport, parse_csv

ACTOR = Actor(kind="system", id="import-csv")
EXIT_UNREADABLE = 2


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ent_directory.import_csv",
        description=texts.CLI_DESCRIPTION,
    )
    parser.add_argument("file", type=Path, help=texts.CLI_FILE)
    parser.add_argument("--school-id", required=True, help=texts.CLI_SCHOOL_ID)
    parser.add_argument(
        "--store-url", default=os.environ.get("ENT_STORE_URL"), help=texts.CLI_STORE_URL
    )
    parser.add_argument("--json", action="store_true", help=texts.CLI_JSON)
    parser.add_argument("--no-progress", action="store_true", help=texts.CLI_NO_PROGRESS)
    args = parser.parse_args(argv)
    if not args.store_url:
        parser.error(texts.CLI_STORE_REQUIRED)
    if not args.school_id.strip():
        parser.error(texts.CLI_SCHOOL_REQUIRED)
    return args


def read_file(path: Path) -> ParsedImport:
    with path.open(encoding="utf-8-sig", newline="") as lines:
        return parse_csv(lines)


async def import_school(
    store_url: str, school_id: str, parsed: ParsedImport, progress: Progress | None = None
) -> ImportReport:
    storage = await open_storage(store_url, service_name="directory")
    try:
        # Indexes the service also creates at start: a login lookup per new user stays cheap.
        await storage.documents.ensure_index(USERS, ["login"])
        await storage.documents.ensure_index(USERS, ["school_id", "active", "profile"])
        signal = AppendSignal()
        projector = LocalProjector(storage, DirectoryProjection(), signal)
        commands = DirectoryCommands(storage.events, signal)
        importer = SchoolImport(commands, storage.documents, ACTOR, refresh=projector.drain)
        report = await importer.run(school_id, parsed, progress)
        await projector.drain()  # the read model is current even before the service runs
        return report
    finally:
        await storage.close()


def summary(parsed: ParsedImport, report: ImportReport) -> str:
    return texts.CLI_SUMMARY.format(
        read=parsed.lines_read,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        deactivated=report.deactivated,
        linked=report.linked,
        errors=len(report.errors),
    )


def _print_report(parsed: ParsedImport, report: ImportReport, out: TextIO) -> None:
    print(summary(parsed, report), file=out)
    for error in report.errors:
        print(texts.CLI_ERROR_LINE.format(line=error.line, reason=error.reason), file=out)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        parsed = read_file(args.file)
    except ImportFileError as error:
        print(texts.CLI_UNREADABLE.format(file=args.file, error=error.message), file=sys.stderr)
        return EXIT_UNREADABLE
    except OSError as error:
        print(texts.CLI_UNREADABLE.format(file=args.file, error=error), file=sys.stderr)
        return EXIT_UNREADABLE
    bars: list[tqdm[None]] = []

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(
                tqdm(
                    total=total,
                    desc=texts.CLI_PROGRESS,
                    unit=texts.CLI_STEPS,
                    file=sys.stderr,
                    mininterval=0.5,
                    disable=args.no_progress,
                )
            )
        bars[0].update(done - bars[0].n)

    try:
        report = asyncio.run(import_school(args.store_url, args.school_id, parsed, progress))
    finally:
        for bar in bars:
            bar.close()
    if args.json:
        sys.stdout.write(msgspec.json.encode(report).decode() + "\n")
    else:
        _print_report(parsed, report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
