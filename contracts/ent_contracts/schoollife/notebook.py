"""Events of school life: the homework notebook (cahier de textes) and the hand-ins
("Déposer ma copie").

Times are the school's wall-clock time (naive), as lessons and due dates are. No event
carries a file's bytes nor a student's file name: a copy is named by its ids, digest,
size and type only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

import msgspec

from ent_contracts.registry import register
from ent_contracts.schoollife.base import SchoollifeEvent, Subject

Sha256 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
Size = Annotated[int, msgspec.Meta(ge=0)]
# What a teacher's document is to the homework: its statement, its correction, a support.
DocumentKind = Literal["enonce", "corrige", "support"]


@register
class LessonContentWritten(SchoollifeEvent, frozen=True, kw_only=True):
    """A teacher wrote (or rewrote) what a lesson was about: the whole entry each time."""

    event_type: ClassVar[str] = "schoollife.LessonContentWritten"
    lesson_id: str
    school_id: str
    group_id: str
    subject: Subject
    lesson_date: date
    timetable_lesson_id: str | None = None
    content: str
    written_by: str
    written_at: datetime


@register
class HomeworkAssigned(SchoollifeEvent, frozen=True, kw_only=True):
    """Work to do was given to a group, for `due_at`; `hand_in`: the students hand in a
    copy ("Déposer ma copie")."""

    event_type: ClassVar[str] = "schoollife.HomeworkAssigned"
    homework_id: str
    school_id: str
    group_id: str
    subject: Subject
    lesson_id: str | None = None
    timetable_lesson_id: str | None = None
    lesson_date: date | None = None
    title: str
    instructions: str = ""
    due_at: datetime
    hand_in: bool = False
    assigned_by: str
    assigned_at: datetime


@register
class HomeworkChanged(SchoollifeEvent, frozen=True, kw_only=True):
    """The homework's title, instructions, due date or hand-in were changed (all of them
    as they now stand)."""

    event_type: ClassVar[str] = "schoollife.HomeworkChanged"
    homework_id: str
    school_id: str
    group_id: str
    title: str
    instructions: str = ""
    due_at: datetime
    hand_in: bool = False
    changed_by: str
    changed_at: datetime


@register
class HomeworkWithdrawn(SchoollifeEvent, frozen=True, kw_only=True):
    """The homework was withdrawn: nobody sees it any more; copies handed in are kept."""

    event_type: ClassVar[str] = "schoollife.HomeworkWithdrawn"
    homework_id: str
    group_id: str
    withdrawn_by: str
    withdrawn_at: datetime


@register
class HomeworkDocumentAttached(SchoollifeEvent, frozen=True, kw_only=True):
    """A teacher attached a document (statement, correction, support) to the homework;
    its bytes are stored under their SHA-256."""

    event_type: ClassVar[str] = "schoollife.HomeworkDocumentAttached"
    homework_id: str
    document_id: str
    kind: DocumentKind
    file_name: str
    media_type: str
    size: Size
    sha256: Sha256
    attached_at: datetime


@register
class HomeworkDocumentRemoved(SchoollifeEvent, frozen=True, kw_only=True):
    """A document no longer goes with the homework."""

    event_type: ClassVar[str] = "schoollife.HomeworkDocumentRemoved"
    homework_id: str
    document_id: str
    removed_at: datetime


@register
class HomeworkSubmitted(SchoollifeEvent, frozen=True, kw_only=True):
    """A student handed in a copy. Immutable: another deposit adds another copy, the last
    one counts. `late`: after the due date-time."""

    event_type: ClassVar[str] = "schoollife.HomeworkSubmitted"
    homework_id: str
    school_id: str
    group_id: str
    subject: Subject
    due_at: datetime  # the homework's due date-time when the copy arrived (wall-clock)
    student_id: str
    copy_id: str
    sha256: Sha256
    size: Size
    media_type: str
    submitted_at: datetime
    late: bool = False


@register
class HomeworkMarkedDone(SchoollifeEvent, frozen=True, kw_only=True):
    """A student ticked (`done`) or unticked "Fait" on homework that asks for no copy."""

    event_type: ClassVar[str] = "schoollife.HomeworkMarkedDone"
    homework_id: str
    student_id: str
    done: bool
    marked_at: datetime
