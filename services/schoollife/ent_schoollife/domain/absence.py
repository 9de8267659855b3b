"""An absence and its justification: recorded (to justify), justified by a parent
(submitted), accepted or refused by the vie scolaire. A refused absence may be justified
again. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from ent_contracts import DomainEvent
from ent_contracts.schoollife.vie_scolaire import (
    AbsenceJustified,
    AbsenceRecorded,
    JustificationAccepted,
    JustificationDocument,
    JustificationRefused,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Conflict, NotFound, Refused

from ent_schoollife.texts import vie_scolaire as texts

State = Literal["new", "to_justify", "submitted", "accepted", "refused"]
TO_JUSTIFY: Final = "to_justify"
SUBMITTED: Final = "submitted"
ACCEPTED: Final = "accepted"
REFUSED: Final = "refused"
# An absence longer than this is several absences (a term's counts stay readable).
MAX_ABSENCE = timedelta(days=31)
REASONS = tuple(texts.REASONS)
MAX_COMMENT = 2000


@dataclass(frozen=True, kw_only=True)
class NewAbsence:
    school_id: str
    student_id: str
    starts_at: datetime
    ends_at: datetime
    recorded_by: str
    group_id: str | None = None
    lesson_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Justification:
    reason: str
    comment: str = ""
    document: JustificationDocument | None = None


def check_reason(reason: str) -> str:
    if reason not in REASONS:
        raise Refused(
            "reason", "unknown_reason", texts.UNKNOWN_REASON.format(reasons=", ".join(REASONS))
        )
    return reason


def check_comment(comment: str) -> str:
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise Refused("comment", "comment_too_long", texts.COMMENT_TOO_LONG.format(max=MAX_COMMENT))
    return comment


class Absence(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.state: State = "new"
        self.student_id = ""
        self.school_id = ""
        self.document: JustificationDocument | None = None

    # --- decisions ----------------------------------------------------------------------

    def record(self, new: NewAbsence, now: datetime) -> None:
        if self.state != "new":
            raise Conflict("", "absence_exists", texts.ALREADY_RECORDED)
        if new.ends_at <= new.starts_at:
            raise Refused("ends_at", "ends_before_start", texts.ENDS_BEFORE_START)
        if new.ends_at - new.starts_at > MAX_ABSENCE:
            raise Refused(
                "ends_at",
                "absence_too_long",
                texts.ABSENCE_TOO_LONG.format(days=MAX_ABSENCE.days),
            )
        self.trigger(
            AbsenceRecorded(
                absence_id=self.id,
                school_id=new.school_id,
                student_id=new.student_id,
                starts_at=new.starts_at,
                ends_at=new.ends_at,
                recorded_by=new.recorded_by,
                group_id=new.group_id,
                lesson_id=new.lesson_id,
                recorded_at=now,
            )
        )

    def check_justifiable(self) -> None:
        """Before a document is stored: may a justification still be given?"""
        if self.state == "new":
            raise NotFound("absence_id", "absence_not_found", texts.ABSENCE_NOT_FOUND)
        if self.state not in (TO_JUSTIFY, REFUSED):
            raise Conflict("absence_id", "already_justified", texts.ALREADY_JUSTIFIED)

    def justify(
        self, parent_id: str, justification: Justification, now: datetime
    ) -> JustificationDocument | None:
        """Justified (again, after a refusal): answers the document it replaces, whose
        blob the caller deletes once this is saved."""
        self.check_justifiable()
        replaced = self.document
        self.trigger(
            AbsenceJustified(
                absence_id=self.id,
                school_id=self.school_id,
                student_id=self.student_id,
                justified_by=parent_id,
                reason=check_reason(justification.reason),
                comment=check_comment(justification.comment),
                document=justification.document,
                justified_at=now,
            )
        )
        return replaced

    def decide(self, decided_by: str, accepted: bool, comment: str, now: datetime) -> None:
        if self.state == "new":
            raise NotFound("absence_id", "absence_not_found", texts.ABSENCE_NOT_FOUND)
        if self.state != SUBMITTED:
            raise Conflict("absence_id", "nothing_to_decide", texts.NOTHING_TO_DECIDE)
        comment = comment.strip()
        if accepted:
            self.trigger(
                JustificationAccepted(
                    absence_id=self.id,
                    school_id=self.school_id,
                    student_id=self.student_id,
                    decided_by=decided_by,
                    comment=comment,
                    decided_at=now,
                )
            )
            return
        if not comment:
            raise Refused("comment", "comment_required", texts.REFUSAL_NEEDS_COMMENT)
        self.trigger(
            JustificationRefused(
                absence_id=self.id,
                school_id=self.school_id,
                student_id=self.student_id,
                decided_by=decided_by,
                comment=comment,
                decided_at=now,
            )
        )

    # --- evolution ----------------------------------------------------------------------

    def when(self, event: DomainEvent) -> None:
        match event:
            case AbsenceRecorded():
                self.state = TO_JUSTIFY
                self.student_id = event.student_id
                self.school_id = event.school_id
            case AbsenceJustified():
                self.state = SUBMITTED
                self.document = event.document
            case JustificationAccepted():
                self.state = ACCEPTED
            case JustificationRefused():
                self.state = REFUSED


# --- the document joined to a justification -----------------------------------------------
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def document_name(file_name: str) -> str:
    """The name to show and download it by: its last path segment, 200 characters."""
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(c for c in name if c.isprintable())[:200]
    return name or "justificatif"
