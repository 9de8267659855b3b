"""A school's subject coefficients in the overall average (1 until set). Pure."""

from __future__ import annotations

from ent_contracts import DomainEvent
from ent_contracts.schoollife.grades import SubjectCoefficientSet
from ent_kit.aggregate import Aggregate
from ent_kit.errors import Refused

from ent_schoollife.texts import grades as texts

MAX_COEFFICIENT = 100.0


def coefficients_id(school_id: str) -> str:
    return f"schoollife-coefficients:{school_id}"


class SchoolCoefficients(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.coefficients: dict[str, float] = {}

    def set(self, school_id: str, subject: str, coefficient: float) -> None:
        subject = subject.strip()
        if not subject:
            raise Refused("subject", "required", texts.SUBJECT_REQUIRED)
        if not 0 < coefficient <= MAX_COEFFICIENT:
            raise Refused("coefficient", "invalid_coefficient", texts.BAD_COEFFICIENT)
        if self.coefficients.get(subject) != coefficient:
            self.trigger(
                SubjectCoefficientSet(school_id=school_id, subject=subject, coefficient=coefficient)
            )

    def when(self, event: DomainEvent) -> None:
        if isinstance(event, SubjectCoefficientSet):
            self.coefficients[event.subject] = event.coefficient
