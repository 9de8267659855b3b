"""The report cards read model: one row per student of a class for a term, the draft's
appreciations, then the published report card with its frozen averages."""

from __future__ import annotations

from typing import Any

import msgspec
from ent_contracts import DomainEvent, Envelope
from ent_contracts.schoollife.report_cards import (
    AppreciationWritten,
    GeneralAppreciationWritten,
    ReportCardPublished,
)
from ent_kit.storage import DocumentWriter

from ent_schoollife.domain.report_cards import report_card_id

REPORT_CARDS = "report_cards"

REPORT_CARDS_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (REPORT_CARDS, ("class_id", "term_id")),  # a class's report cards of a term
    (REPORT_CARDS, ("student_id", "published", "published_at")),  # a student's, newest first
)


def _draft(school_id: str, class_id: str, term_id: str, student_id: str) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "class_id": class_id,
        "term_id": term_id,
        "student_id": student_id,
        "published": False,
        "published_at": None,
        "appreciations": [],  # [{subject, text, teacher_id}], by subject
        "general_appreciation": "",
        "general_teacher_id": None,
    }


class ReportCardsProjection:
    name = "report_cards"
    collections = (REPORT_CARDS,)

    async def apply(self, tx: DocumentWriter, envelope: Envelope, event: DomainEvent) -> None:
        match event:
            case AppreciationWritten():
                doc_id, doc = await self._row(tx, event)
                kept = [a for a in doc["appreciations"] if a["subject"] != event.subject]
                if event.text:
                    row = {"subject": event.subject, "text": event.text}
                    kept.append({**row, "teacher_id": event.teacher_id})
                doc["appreciations"] = sorted(kept, key=lambda a: a["subject"].casefold())
                await tx.put(REPORT_CARDS, doc_id, doc)
            case GeneralAppreciationWritten():
                doc_id, doc = await self._row(tx, event)
                doc["general_appreciation"] = event.text
                doc["general_teacher_id"] = event.teacher_id if event.text else None
                await tx.put(REPORT_CARDS, doc_id, doc)
            case ReportCardPublished():
                doc_id, doc = await self._row(tx, event)
                await tx.put(REPORT_CARDS, doc_id, {**doc, **_published(event)})

    async def _row(
        self,
        tx: DocumentWriter,
        event: AppreciationWritten | GeneralAppreciationWritten | ReportCardPublished,
    ) -> tuple[str, dict[str, Any]]:
        doc_id = report_card_id(event.class_id, event.term_id, event.student_id)
        doc = await tx.get(REPORT_CARDS, doc_id)
        if doc is None:
            doc = _draft(event.school_id, event.class_id, event.term_id, event.student_id)
        return doc_id, doc


def _published(event: ReportCardPublished) -> dict[str, Any]:
    return {
        "published": True,
        "published_at": event.published_at,
        "term_name": event.term_name,
        "term_starts_on": event.term_starts_on.isoformat(),
        "term_ends_on": event.term_ends_on.isoformat(),
        "subjects": msgspec.to_builtins(event.subjects),
        "overall_average": event.overall_average,
        "class_overall_average": event.class_overall_average,
        "general_appreciation": event.general_appreciation,
    }
