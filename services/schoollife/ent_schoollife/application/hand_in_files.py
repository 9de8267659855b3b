"""The names copies are downloaded and zipped under: who, what, when (`ent_kit.zips` makes
them unique in a zip)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ent_kit.blobs import BlobStore, Download, content_key

from ent_schoollife.domain.file_types import EXTENSIONS
from ent_schoollife.domain.people import Person
from ent_schoollife.texts import notebook as texts


def copy_name(copy: dict[str, Any], homework: dict[str, Any], student: Person | None) -> str:
    """ "Martin Léa - Mathématiques - 2026-11-25 18h03 (en retard).pdf": who, what, when."""
    who = f"{student.last_name} {student.first_name}".strip() if student else copy["student_id"]
    when = datetime.fromisoformat(copy["submitted_at"]).strftime("%Y-%m-%d %Hh%M")
    late = f" ({texts.LATE})" if copy["late"] else ""
    name = (
        f"{who} - {homework['subject']} - {when}{late}.{EXTENSIONS.get(copy['media_type'], 'bin')}"
    )
    return name.replace("/", "-").replace("\\", "-")


def copy_download(
    copy: dict[str, Any], homework: dict[str, Any], student: Person | None, blobs: BlobStore
) -> Download:
    return Download(
        file_name=copy_name(copy, homework, student),
        media_type=copy["media_type"],
        size=copy["size"],
        sha256=copy["sha256"],
        blob_key=content_key(copy["sha256"]),
        blobs=blobs,
    )
