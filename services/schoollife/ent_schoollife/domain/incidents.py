"""A late arrival, a punishment: each recorded once, as it happened. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from ent_contracts import DomainEvent
from ent_contracts.schoollife.vie_scolaire import LatenessRecorded, PunishmentGiven
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Conflict, Forbidden, Refused

from ent_schoollife.texts import vie_scolaire as texts

PunishmentKind = Literal["punition", "sanction"]


@dataclass(frozen=True, kw_only=True)
class NewLateness:
    school_id: str
    student_id: str
    arrived_at: datetime
    minutes: int
    recorded_by: str
    group_id: str | None = None
    lesson_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class NewPunishment:
    school_id: str
    student_id: str
    kind: PunishmentKind
    reason: str
    on: date
    given_by: str
    group_id: str | None = None


class Lateness(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.recorded = False

    def record(self, new: NewLateness, now: datetime) -> None:
        if self.recorded:
            raise Conflict("", "lateness_exists", texts.ALREADY_RECORDED)
        self.trigger(
            LatenessRecorded(
                lateness_id=self.id,
                school_id=new.school_id,
                student_id=new.student_id,
                arrived_at=new.arrived_at,
                minutes=new.minutes,
                recorded_by=new.recorded_by,
                group_id=new.group_id,
                lesson_id=new.lesson_id,
                recorded_at=now,
            )
        )

    def when(self, event: DomainEvent) -> None:
        if isinstance(event, LatenessRecorded):
            self.recorded = True


class Punishment(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.given = False

    def give(self, new: NewPunishment, *, by_staff: bool, now: datetime) -> None:
        """A teacher gives punitions; sanctions are the vie scolaire's and direction's."""
        if self.given:
            raise Conflict("", "punishment_exists", texts.ALREADY_RECORDED)
        if new.kind == "sanction" and not by_staff:
            raise Forbidden("kind", "sanction_staff_only", texts.SANCTION_STAFF_ONLY)
        reason = new.reason.strip()
        if not reason:
            raise Refused("reason", "reason_empty", texts.REASON_EMPTY)
        self.trigger(
            PunishmentGiven(
                punishment_id=self.id,
                school_id=new.school_id,
                student_id=new.student_id,
                kind=new.kind,
                reason=reason,
                on=new.on,
                given_by=new.given_by,
                group_id=new.group_id,
                given_at=now,
            )
        )

    def when(self, event: DomainEvent) -> None:
        if isinstance(event, PunishmentGiven):
            self.given = True
