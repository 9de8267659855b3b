"""Read model of what the direction sets for grades: the school's terms per school year,
and the subjects' coefficients in the overall average."""

from __future__ import annotations

from ent_contracts import DomainEvent, Envelope
from ent_contracts.schoollife.grades import SubjectCoefficientSet, TermsDefined
from ent_kit.storage import DocumentWriter

TERMS = "grades_terms"  # one row per (school, school year)
COEFFICIENTS = "grades_subject_coefficients"  # one row per (school, subject) set

SETUP_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = ((COEFFICIENTS, ("school_id",)),)


def terms_doc_id(school_id: str, school_year: int) -> str:
    return f"{school_id}:{school_year}"


def coefficient_doc_id(school_id: str, subject: str) -> str:
    return f"{school_id}:{subject}"


class GradesSetupProjection:
    name = "grades_setup"
    collections = (TERMS, COEFFICIENTS)
    handles = frozenset({TermsDefined.event_type, SubjectCoefficientSet.event_type})

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case TermsDefined():
                terms = [
                    {
                        "term_id": t.term_id,
                        "name": t.name,
                        "starts_on": t.starts_on.isoformat(),
                        "ends_on": t.ends_on.isoformat(),
                    }
                    for t in event.terms
                ]
                await tx.put(
                    TERMS,
                    terms_doc_id(event.school_id, event.school_year),
                    {
                        "school_id": event.school_id,
                        "school_year": event.school_year,
                        "terms": terms,
                    },
                )
            case SubjectCoefficientSet():
                await tx.put(
                    COEFFICIENTS,
                    coefficient_doc_id(event.school_id, event.subject),
                    {
                        "school_id": event.school_id,
                        "subject": event.subject,
                        "coefficient": event.coefficient,
                    },
                )
