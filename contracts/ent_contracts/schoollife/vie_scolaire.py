"""Events of school life: vie scolaire. Absences (with times) and their justification by a
parent, decided by the vie scolaire; late arrivals; punishments and sanctions.

Times are the school's wall-clock time, naive (as lessons are). People appear by id only;
the texts carried (a justification's comment, a punishment's reason) are what the family
and the school read on the record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

import msgspec

from ent_contracts.registry import register
from ent_contracts.schoollife.base import SchoollifeEvent

Comment = Annotated[str, msgspec.Meta(max_length=2000)]
Sha256 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]


class JustificationDocument(msgspec.Struct, frozen=True, kw_only=True):
    """A document a parent joined to a justification (PDF, JPEG or PNG), in the blob store
    under `blob_key`."""

    file_name: str
    media_type: str
    size: Annotated[int, msgspec.Meta(ge=1)]
    sha256: Sha256
    blob_key: str


@register
class AbsenceRecorded(SchoollifeEvent, frozen=True, kw_only=True):
    """A student was absent from `starts_at` to `ends_at`, recorded by the vie scolaire or
    by a teacher for a group they teach (`group_id`, and the lesson when known). The
    absence waits for its justification."""

    event_type: ClassVar[str] = "schoollife.AbsenceRecorded"
    absence_id: str
    school_id: str
    student_id: str
    starts_at: datetime
    ends_at: datetime
    recorded_by: str
    group_id: str | None = None
    lesson_id: str | None = None
    recorded_at: datetime


@register
class AbsenceJustified(SchoollifeEvent, frozen=True, kw_only=True):
    """A parent justified an absence: a reason of the list (`illness`,
    `medical_appointment`, `family`, `transport`, `official_summons`, `other`), a comment,
    and maybe a document. The vie scolaire then accepts or refuses it."""

    event_type: ClassVar[str] = "schoollife.AbsenceJustified"
    absence_id: str
    school_id: str
    student_id: str
    justified_by: str
    reason: str
    comment: Comment = ""
    document: JustificationDocument | None = None
    justified_at: datetime


@register
class JustificationAccepted(SchoollifeEvent, frozen=True, kw_only=True):
    """The vie scolaire accepted an absence's justification: the absence is justified."""

    event_type: ClassVar[str] = "schoollife.JustificationAccepted"
    absence_id: str
    school_id: str
    student_id: str
    decided_by: str
    comment: Comment = ""
    decided_at: datetime


@register
class JustificationRefused(SchoollifeEvent, frozen=True, kw_only=True):
    """The vie scolaire refused an absence's justification (`comment` says why): the
    absence stays unjustified; the family may justify it again."""

    event_type: ClassVar[str] = "schoollife.JustificationRefused"
    absence_id: str
    school_id: str
    student_id: str
    decided_by: str
    comment: Comment = ""
    decided_at: datetime


@register
class LatenessRecorded(SchoollifeEvent, frozen=True, kw_only=True):
    """A student arrived `minutes` late at `arrived_at`, recorded by the vie scolaire or
    by a teacher for a group they teach."""

    event_type: ClassVar[str] = "schoollife.LatenessRecorded"
    lateness_id: str
    school_id: str
    student_id: str
    arrived_at: datetime
    minutes: Annotated[int, msgspec.Meta(ge=1)]
    recorded_by: str
    group_id: str | None = None
    lesson_id: str | None = None
    recorded_at: datetime


@register
class PunishmentGiven(SchoollifeEvent, frozen=True, kw_only=True):
    """A student was given a punition (by a teacher, the vie scolaire or the direction)
    or a sanction (by the vie scolaire or the direction), for `reason`, on `on`."""

    event_type: ClassVar[str] = "schoollife.PunishmentGiven"
    punishment_id: str
    school_id: str
    student_id: str
    kind: Literal["punition", "sanction"]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    on: date
    given_by: str
    group_id: str | None = None
    given_at: datetime
