"""Reading the grades' read models: a group's evaluations of a term (one indexed query
per group), the school's subject coefficients, and the rows turned into what averaging
and the views need. Other areas (report cards) read grades through `GradesReader`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ent_kit.storage import DocumentReader, Query, Range, find_all

from ent_schoollife.application.grades_projection import EVALUATIONS
from ent_schoollife.application.grades_setup_projection import COEFFICIENTS
from ent_schoollife.application.grades_views import EvaluationView, r2
from ent_schoollife.domain.averages import GradedEvaluation, evaluation_stats
from ent_schoollife.domain.terms import Term

Row = dict[str, Any]


class GradesReader:
    def __init__(self, reader: DocumentReader) -> None:
        self._reader = reader

    async def rows(self, group_id: str, term: Term, *, published_only: bool) -> list[Row]:
        """The group's evaluations dated in the term, oldest first."""
        where: dict[str, Any] = {"group_id": group_id}
        if published_only:
            where["published"] = True
        query = Query(
            where=where,
            ranges={"on": Range(gte=term.starts_on.isoformat(), lte=term.ends_on.isoformat())},
            order_by=[("on", "asc")],
            limit=1000,
        )
        return [doc async for doc in find_all(self._reader, EVALUATIONS, query)]

    async def published(self, group_ids: Sequence[str], term: Term) -> list[GradedEvaluation]:
        """The published evaluations of these groups in the term, ready to average."""
        found: list[GradedEvaluation] = []
        for group_id in group_ids:
            found.extend(
                graded(row) for row in await self.rows(group_id, term, published_only=True)
            )
        return found

    async def subject_coefficients(self, school_id: str) -> dict[str, float]:
        query = Query(where={"school_id": school_id}, limit=1000)
        return {
            doc["subject"]: float(doc["coefficient"])
            async for doc in find_all(self._reader, COEFFICIENTS, query)
        }


def graded(row: Row) -> GradedEvaluation:
    return GradedEvaluation(
        evaluation_id=row["id"],
        subject=row["subject"],
        on=date.fromisoformat(row["on"]),
        out_of=row["out_of"],
        coefficient=row["coefficient"],
        brought_to_20=row["brought_to_20"],
        optional=row["optional"],
        bonus=row["bonus"],
        grades=row["grades"],
    )


def evaluation_view(row: Row) -> EvaluationView:
    stats = evaluation_stats(graded(row))
    return EvaluationView(
        evaluation_id=row["id"],
        group_id=row["group_id"],
        teacher_id=row["teacher_id"],
        subject=row["subject"],
        on=date.fromisoformat(row["on"]),
        title=row["title"],
        out_of=row["out_of"],
        coefficient=row["coefficient"],
        brought_to_20=row["brought_to_20"],
        optional=row["optional"],
        bonus=row["bonus"],
        published=row["published"],
        graded=stats.graded,
        class_average=r2(stats.average),
        class_min=stats.minimum,
        class_max=stats.maximum,
    )
