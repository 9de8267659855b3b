"""A student's hand-ins for one homework ("Déposer ma copie"), and their "Fait" tick. Pure.

Copies are like Casier deposits: timestamped, immutable; another deposit adds a copy, the
last one counts. What a copy is (JPEG, PNG, HEIC or PDF) is read from its first bytes,
never taken from what the browser declares (domain/file_types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ent_contracts import DomainEvent
from ent_contracts.schoollife.notebook import HomeworkMarkedDone, HomeworkSubmitted
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Conflict, TooLarge

from ent_schoollife.texts import notebook as texts

MAX_COPY_BYTES = 10 * 1024 * 1024
# Copies one student may deposit for one homework: enough to correct a mistake several
# times, and it bounds what a teacher's zip holds.
MAX_COPIES = 20


def hand_in_stream(homework_id: str, student_id: str) -> str:
    return f"hand-in:{homework_id}:{student_id}"


@dataclass(frozen=True, kw_only=True)
class Copy:
    copy_id: str
    sha256: str
    size: int
    media_type: str


@dataclass(frozen=True, kw_only=True)
class Due:
    """What the homework says when the copy arrives."""

    school_id: str
    group_id: str
    subject: str
    due_at: datetime
    hand_in: bool


@dataclass
class HandInState:
    copies: list[str] = field(default_factory=list)
    done: bool = False


class HandIn(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.s = HandInState()

    def submit(
        self, homework_id: str, student_id: str, copy: Copy, due: Due, now: datetime
    ) -> bool:
        """Keep the copy; True when it is late."""
        if not due.hand_in:
            raise Conflict("homework_id", "no_hand_in", texts.NO_HAND_IN)
        if copy.copy_id in self.s.copies:
            return now > due.due_at  # recorded already (a retried request)
        if len(self.s.copies) >= MAX_COPIES:
            message = texts.TOO_MANY_COPIES.format(max_copies=MAX_COPIES)
            raise TooLarge("file", "too_many_copies", message, max_copies=MAX_COPIES)
        late = now > due.due_at
        self.trigger(
            HomeworkSubmitted(
                homework_id=homework_id,
                school_id=due.school_id,
                group_id=due.group_id,
                subject=due.subject,
                due_at=due.due_at,
                student_id=student_id,
                copy_id=copy.copy_id,
                sha256=copy.sha256,
                size=copy.size,
                media_type=copy.media_type,
                submitted_at=now,
                late=late,
            )
        )
        return late

    def mark_done(
        self, homework_id: str, student_id: str, done: bool, due: Due, now: datetime
    ) -> None:
        """The student's own "Fait" tick, for homework that asks for no copy."""
        if due.hand_in:
            raise Conflict("homework_id", "hand_in_asked", texts.HAND_IN_ASKED)
        if done == self.s.done:
            return
        self.trigger(
            HomeworkMarkedDone(
                homework_id=homework_id, student_id=student_id, done=done, marked_at=now
            )
        )

    def when(self, event: DomainEvent) -> None:
        match event:
            case HomeworkSubmitted():
                self.s.copies.append(event.copy_id)
            case HomeworkMarkedDone():
                self.s.done = event.done
