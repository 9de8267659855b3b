"""The homework notebook (cahier de textes): a lesson's content, and the work to do with
its documents. Pure: who may write for which group is the roster's question, asked
before these aggregates decide."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from ent_contracts import DomainEvent
from ent_contracts.schoollife.notebook import (
    DocumentKind,
    HomeworkAssigned,
    HomeworkChanged,
    HomeworkDocumentAttached,
    HomeworkDocumentRemoved,
    HomeworkWithdrawn,
    LessonContentWritten,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import NotFound, Refused, TooLarge

from ent_schoollife.texts import notebook as texts

MAX_CONTENT_CHARS = 20_000
MAX_TITLE_CHARS = 200
MAX_INSTRUCTIONS_CHARS = 10_000
# From the seeds (the Messagerie's attachments): 10 documents of 10 MB at most.
MAX_DOCUMENTS = 10
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# Without a time, homework is due when the school day starts. The notebook does not read
# the timetable (the first lesson of that day is the timetable's to know): 08:00.
DEFAULT_DUE_TIME = time(8, 0)


def due_at(on: date, at: time | None) -> datetime:
    """The due date-time, to the minute (wall-clock, naive)."""
    moment = at or DEFAULT_DUE_TIME
    return datetime.combine(on, moment.replace(second=0, microsecond=0, tzinfo=None))


@dataclass(frozen=True, kw_only=True)
class LessonDraft:
    school_id: str
    group_id: str
    subject: str
    lesson_date: date
    timetable_lesson_id: str | None
    content: str


@dataclass(frozen=True, kw_only=True)
class HomeworkDraft:
    title: str
    instructions: str
    due_at: datetime
    hand_in: bool


@dataclass(frozen=True, kw_only=True)
class HomeworkPlace:
    """Where the homework is given: the group, the subject, and the lesson if any."""

    school_id: str
    group_id: str
    subject: str
    lesson_id: str | None = None
    timetable_lesson_id: str | None = None
    lesson_date: date | None = None


@dataclass(frozen=True, kw_only=True)
class StoredDocument:
    document_id: str
    kind: DocumentKind
    file_name: str
    media_type: str
    size: int
    sha256: str


class LessonEntry(Aggregate):
    """One lesson's page of the notebook: what was done in class."""

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.draft: LessonDraft | None = None

    def write(self, draft: LessonDraft, by: str, now: datetime) -> None:
        content = draft.content.strip()
        if not content:
            raise Refused("content", "content_required", texts.CONTENT_REQUIRED)
        if len(content) > MAX_CONTENT_CHARS:
            message = texts.CONTENT_TOO_LONG.format(max_chars=MAX_CONTENT_CHARS)
            raise Refused("content", "content_too_long", message)
        if self.draft is not None and self.draft.group_id != draft.group_id:
            raise Refused("group_id", "other_group", texts.NOT_THE_SAME_GROUP)
        if self.draft == replace(draft, content=content):
            return  # written as it stands already
        self.trigger(
            LessonContentWritten(
                lesson_id=self.id,
                school_id=draft.school_id,
                group_id=draft.group_id,
                subject=draft.subject,
                lesson_date=draft.lesson_date,
                timetable_lesson_id=draft.timetable_lesson_id,
                content=content,
                written_by=by,
                written_at=now,
            )
        )

    def when(self, event: DomainEvent) -> None:
        if isinstance(event, LessonContentWritten):
            self.draft = LessonDraft(
                school_id=event.school_id,
                group_id=event.group_id,
                subject=event.subject,
                lesson_date=event.lesson_date,
                timetable_lesson_id=event.timetable_lesson_id,
                content=event.content,
            )


@dataclass
class HomeworkState:
    place: HomeworkPlace | None = None
    draft: HomeworkDraft | None = None
    withdrawn: bool = False
    documents: dict[str, StoredDocument] = field(default_factory=dict)


class Homework(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.s = HomeworkState()

    # --- decisions ----------------------------------------------------------------------

    def assign(self, place: HomeworkPlace, draft: HomeworkDraft, by: str, now: datetime) -> None:
        if self.s.place is not None:
            return  # assigned already (a retried request with the same id)
        draft = checked(draft, place.lesson_date)
        self.trigger(
            HomeworkAssigned(
                homework_id=self.id,
                school_id=place.school_id,
                group_id=place.group_id,
                subject=place.subject,
                lesson_id=place.lesson_id,
                timetable_lesson_id=place.timetable_lesson_id,
                lesson_date=place.lesson_date,
                title=draft.title,
                instructions=draft.instructions,
                due_at=draft.due_at,
                hand_in=draft.hand_in,
                assigned_by=by,
                assigned_at=now,
            )
        )

    def change(self, draft: HomeworkDraft, by: str, now: datetime) -> None:
        place = self.live_place()
        draft = checked(draft, place.lesson_date)
        if draft == self.s.draft:
            return
        self.trigger(
            HomeworkChanged(
                homework_id=self.id,
                school_id=place.school_id,
                group_id=place.group_id,
                title=draft.title,
                instructions=draft.instructions,
                due_at=draft.due_at,
                hand_in=draft.hand_in,
                changed_by=by,
                changed_at=now,
            )
        )

    def withdraw(self, by: str, now: datetime) -> None:
        place = self.live_place()
        self.trigger(
            HomeworkWithdrawn(
                homework_id=self.id, group_id=place.group_id, withdrawn_by=by, withdrawn_at=now
            )
        )

    def check_room_for_a_document(self) -> None:
        """Asked before the bytes are stored, and again when the document is recorded."""
        self.live_place()
        if len(self.s.documents) >= MAX_DOCUMENTS:
            message = texts.TOO_MANY_DOCUMENTS.format(max_documents=MAX_DOCUMENTS)
            raise TooLarge("file", "too_many_documents", message, max_documents=MAX_DOCUMENTS)

    def attach(self, document: StoredDocument, now: datetime) -> None:
        if document.document_id in self.s.documents:
            return
        self.check_room_for_a_document()
        self.trigger(
            HomeworkDocumentAttached(
                homework_id=self.id,
                document_id=document.document_id,
                kind=document.kind,
                file_name=document.file_name,
                media_type=document.media_type,
                size=document.size,
                sha256=document.sha256,
                attached_at=now,
            )
        )

    def remove_document(self, document_id: str, now: datetime) -> None:
        self.live_place()
        if document_id not in self.s.documents:
            raise NotFound("document_id", "document_not_found", texts.DOCUMENT_NOT_FOUND)
        self.trigger(
            HomeworkDocumentRemoved(homework_id=self.id, document_id=document_id, removed_at=now)
        )

    # --- questions ----------------------------------------------------------------------

    def live_place(self) -> HomeworkPlace:
        """Where it is given; a withdrawn (or never assigned) homework is not found."""
        if self.s.place is None or self.s.withdrawn:
            raise NotFound("homework_id", "homework_not_found", texts.HOMEWORK_NOT_FOUND)
        return self.s.place

    def live_draft(self) -> HomeworkDraft:
        self.live_place()
        assert self.s.draft is not None
        return self.s.draft

    # --- evolution ----------------------------------------------------------------------

    def when(self, event: DomainEvent) -> None:
        match event:
            case HomeworkAssigned():
                self.s.place = HomeworkPlace(
                    school_id=event.school_id,
                    group_id=event.group_id,
                    subject=event.subject,
                    lesson_id=event.lesson_id,
                    timetable_lesson_id=event.timetable_lesson_id,
                    lesson_date=event.lesson_date,
                )
                self.s.draft = _draft(event)
            case HomeworkChanged():
                self.s.draft = _draft(event)
            case HomeworkWithdrawn():
                self.s.withdrawn = True
            case HomeworkDocumentAttached():
                self.s.documents[event.document_id] = StoredDocument(
                    document_id=event.document_id,
                    kind=event.kind,
                    file_name=event.file_name,
                    media_type=event.media_type,
                    size=event.size,
                    sha256=event.sha256,
                )
            case HomeworkDocumentRemoved():
                self.s.documents.pop(event.document_id, None)


def checked(draft: HomeworkDraft, lesson_date: date | None) -> HomeworkDraft:
    title = draft.title.strip()
    if not title:
        raise Refused("title", "title_required", texts.TITLE_REQUIRED)
    if len(title) > MAX_TITLE_CHARS:
        message = texts.TITLE_TOO_LONG.format(max_chars=MAX_TITLE_CHARS)
        raise Refused("title", "title_too_long", message)
    instructions = draft.instructions.strip()
    if len(instructions) > MAX_INSTRUCTIONS_CHARS:
        message = texts.INSTRUCTIONS_TOO_LONG.format(max_chars=MAX_INSTRUCTIONS_CHARS)
        raise Refused("instructions", "instructions_too_long", message)
    if lesson_date is not None and draft.due_at.date() < lesson_date:
        raise Refused("due_on", "due_before_lesson", texts.DUE_BEFORE_LESSON)
    return HomeworkDraft(
        title=title, instructions=instructions, due_at=draft.due_at, hand_in=draft.hand_in
    )


def _draft(event: HomeworkAssigned | HomeworkChanged) -> HomeworkDraft:
    return HomeworkDraft(
        title=event.title,
        instructions=event.instructions,
        due_at=event.due_at,
        hand_in=event.hand_in,
    )
