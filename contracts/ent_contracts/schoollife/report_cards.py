"""Events of school life: report cards (bulletins).

The report cards of one class for one term are one aggregate (`report_cards_id`). Before
`ReportCardPublished` they are a draft that only the class's teachers and the school's
staff see: teachers write an appreciation per student and subject, the main teacher a
general one. The direction publishes them after the class council: one
`ReportCardPublished` per student, carrying the averages as computed at that moment from
the published grades; later changes of grades do not move them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar

import msgspec

from ent_contracts.registry import register
from ent_contracts.schoollife.base import SchoollifeEvent, Subject

Appreciation = Annotated[str, msgspec.Meta(max_length=1000)]
# On 20; not bounded here: a bonus grade may lift an average past 20 and a stored event
# must always decode again.
Average = float


@register
class AppreciationWritten(SchoollifeEvent, frozen=True, kw_only=True):
    """A teacher of the class wrote (or rewrote) their appreciation of a student in a
    subject for the term's report card, still a draft. An empty text removes it."""

    event_type: ClassVar[str] = "schoollife.AppreciationWritten"
    report_cards_id: str
    school_id: str
    class_id: str
    term_id: str
    student_id: str
    subject: Subject
    teacher_id: str
    text: Appreciation


@register
class GeneralAppreciationWritten(SchoollifeEvent, frozen=True, kw_only=True):
    """The class's main teacher wrote (or rewrote) the general appreciation of a student
    for the term's report card, still a draft. An empty text removes it."""

    event_type: ClassVar[str] = "schoollife.GeneralAppreciationWritten"
    report_cards_id: str
    school_id: str
    class_id: str
    term_id: str
    student_id: str
    teacher_id: str
    text: Appreciation


class SubjectResult(msgspec.Struct, frozen=True, kw_only=True):
    """One subject of a published report card. Averages are on 20, None where there was
    no grade to average (the student's, or nobody's in the class)."""

    subject: Subject
    student_average: Average | None = None
    class_average: Average | None = None
    min_average: Average | None = None
    max_average: Average | None = None
    appreciation: Appreciation = ""


@register
class ReportCardPublished(SchoollifeEvent, frozen=True, kw_only=True):
    """The direction published the class's report cards for the term: this is one
    student's, now shown to them and their parents, with the averages frozen as they
    were computed at publication."""

    event_type: ClassVar[str] = "schoollife.ReportCardPublished"
    report_card_id: str
    report_cards_id: str
    school_id: str
    class_id: str
    term_id: str
    term_name: str
    term_starts_on: date
    term_ends_on: date
    student_id: str
    subjects: list[SubjectResult]
    overall_average: Average | None = None
    class_overall_average: Average | None = None
    general_appreciation: Appreciation = ""
    published_at: datetime
