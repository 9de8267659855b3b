"""What the vie scolaire's commands take and its queries answer: msgspec Structs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from ent_kit.wall_clock import WallClock

from ent_schoollife.domain.attendance import Counts, half_days
from ent_schoollife.domain.terms import Term
from ent_schoollife.texts import vie_scolaire as texts

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Comment = Annotated[str, msgspec.Meta(max_length=2000)]
ReasonCode = Literal[
    "illness", "medical_appointment", "family", "transport", "official_summons", "other"
]


# --- requests -------------------------------------------------------------------------


class AbsenceRequest(msgspec.Struct, frozen=True, kw_only=True):
    """An absence from `starts_at` to `ends_at` (wall-clock, no zone). A teacher names the
    group of the lesson (`group_id`, one they teach, the student a member of it)."""

    student_id: Id
    starts_at: WallClock
    ends_at: WallClock
    group_id: Id | None = None
    lesson_id: Id | None = None


class LatenessRequest(msgspec.Struct, frozen=True, kw_only=True):
    student_id: Id
    arrived_at: WallClock
    minutes: Annotated[int, msgspec.Meta(ge=1, le=240)]
    group_id: Id | None = None
    lesson_id: Id | None = None


class PunishmentRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A punition (teachers: for a student of a group they teach, `group_id`) or a
    sanction (vie scolaire and direction only)."""

    student_id: Id
    kind: Literal["punition", "sanction"]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    on: date
    group_id: Id | None = None


class JustificationRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A justification without a document (JSON); with one, send multipart/form-data."""

    reason: ReasonCode
    comment: Comment = ""


class DecisionRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Accept or refuse a justification; a refusal says why (`comment`)."""

    decision: Literal["accepted", "refused"]
    comment: Comment = ""


# --- answers --------------------------------------------------------------------------


class PersonRef(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    display_name: str


class ReasonView(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    label: str


class DocumentView(msgspec.Struct, frozen=True, kw_only=True):
    file_name: str
    media_type: str
    size: int


class JustificationView(msgspec.Struct, frozen=True, kw_only=True):
    """The family's justification. Teachers see its reason only: the comment and the
    document are for the family and the school's staff (`None` for them)."""

    reason: str
    reason_label: str
    comment: str | None
    document: DocumentView | None
    justified_at: datetime


class DecisionView(msgspec.Struct, frozen=True, kw_only=True):
    accepted: bool
    comment: str
    decided_at: datetime


class AbsenceView(msgspec.Struct, frozen=True, kw_only=True):
    """`state`: `to_justify`, `submitted` (waiting for the vie scolaire), `accepted`,
    `refused`. `half_days`: how many half-days it touches (see the summary's rule)."""

    absence_id: str
    student: PersonRef
    starts_at: WallClock
    ends_at: WallClock
    half_days: int
    state: str
    recorded_by: PersonRef
    recorded_at: datetime
    group_id: str | None
    lesson_id: str | None
    justification: JustificationView | None
    decision: DecisionView | None


class LatenessView(msgspec.Struct, frozen=True, kw_only=True):
    lateness_id: str
    student: PersonRef
    arrived_at: WallClock
    minutes: int
    recorded_by: PersonRef
    group_id: str | None
    lesson_id: str | None


class PunishmentView(msgspec.Struct, frozen=True, kw_only=True):
    punishment_id: str
    student: PersonRef
    kind: str
    reason: str
    on: date
    given_by: PersonRef


class TermView(msgspec.Struct, frozen=True, kw_only=True):
    term_id: str
    name: str
    starts_on: date
    ends_on: date


class AbsencePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[AbsenceView]
    next_cursor: str | None
    term: TermView | None = None  # None for the vie scolaire's list of pending ones


class LatenessPage(msgspec.Struct, frozen=True, kw_only=True):
    term: TermView
    items: list[LatenessView]
    next_cursor: str | None


class PunishmentPage(msgspec.Struct, frozen=True, kw_only=True):
    term: TermView
    items: list[PunishmentView]
    next_cursor: str | None


class CountsView(msgspec.Struct, frozen=True, kw_only=True):
    absences: int
    half_days: int
    unjustified_absences: int
    unjustified_half_days: int
    late_arrivals: int
    late_minutes: int
    punitions: int
    sanctions: int


class TermCounts(msgspec.Struct, frozen=True, kw_only=True):
    term: TermView
    counts: CountsView


class SummaryView(msgspec.Struct, frozen=True, kw_only=True):
    """A student's counts for each term of the school year. Half-days: a day has a
    morning (before 12:00) and an afternoon; an absence counts one half-day for each it
    touches, Sundays aside; two absences touching one half-day count it once."""

    student: PersonRef
    current_term_id: str
    terms: list[TermCounts]


# --- from the read model ----------------------------------------------------------------


def ref(user_id: str, names: dict[str, str]) -> PersonRef:
    return PersonRef(user_id=user_id, display_name=names.get(user_id, ""))


def term_view(term: Term) -> TermView:
    return TermView(
        term_id=term.term_id, name=term.name, starts_on=term.starts_on, ends_on=term.ends_on
    )


def counts_view(counts: Counts) -> CountsView:
    return msgspec.convert(counts, CountsView, from_attributes=True)


def absence_view(
    absence_id: str, doc: dict[str, Any], names: dict[str, str], *, private: bool
) -> AbsenceView:
    """`private`: the caller may read the family's comment and document."""
    starts_at = msgspec.convert(doc["starts_at"], datetime)
    ends_at = msgspec.convert(doc["ends_at"], datetime)
    return AbsenceView(
        absence_id=absence_id,
        student=ref(doc["student_id"], names),
        starts_at=starts_at,
        ends_at=ends_at,
        half_days=len(half_days(starts_at, ends_at)),
        state=doc["state"],
        recorded_by=ref(doc["recorded_by"], names),
        recorded_at=msgspec.convert(doc["recorded_at"], datetime),
        group_id=doc.get("group_id"),
        lesson_id=doc.get("lesson_id"),
        justification=_justification(doc.get("justification"), private),
        decision=None
        if doc.get("decision") is None
        else msgspec.convert(doc["decision"], DecisionView),
    )


def _justification(row: dict[str, Any] | None, private: bool) -> JustificationView | None:
    if row is None:
        return None
    document = row.get("document")
    return JustificationView(
        reason=row["reason"],
        reason_label=texts.REASONS.get(row["reason"], row["reason"]),
        comment=row.get("comment", "") if private else None,
        document=msgspec.convert(document, DocumentView) if private and document else None,
        justified_at=msgspec.convert(row["justified_at"], datetime),
    )


def lateness_view(lateness_id: str, doc: dict[str, Any], names: dict[str, str]) -> LatenessView:
    return LatenessView(
        lateness_id=lateness_id,
        student=ref(doc["student_id"], names),
        arrived_at=msgspec.convert(doc["arrived_at"], datetime),
        minutes=doc["minutes"],
        recorded_by=ref(doc["recorded_by"], names),
        group_id=doc.get("group_id"),
        lesson_id=doc.get("lesson_id"),
    )


def punishment_view(
    punishment_id: str, doc: dict[str, Any], names: dict[str, str]
) -> PunishmentView:
    return PunishmentView(
        punishment_id=punishment_id,
        student=ref(doc["student_id"], names),
        kind=doc["kind"],
        reason=doc["reason"],
        on=date.fromisoformat(doc["on"]),
        given_by=ref(doc["given_by"], names),
    )
