"""Reading the grades' read models: a group's evaluations of a term (one indexed query
per group), the school's subject coefficients, and the rows turned into what averaging
and the views need. Other areas (report cards) read grades through `GradesReader`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from ent_kit.storage import DocumentReader, Query, Range, find_all

from ent_schoollife.application import grades_cache
from ent_schoollife.application.grades_projection import EVALUATIONS, GROUP_VERSIONS
from ent_schoollife.application.grades_setup_projection import COEFFICIENTS
from ent_schoollife.application.grades_views import EvaluationView, r2
from ent_schoollife.domain.averages import GradedEvaluation, Stats, evaluation_stats
from ent_schoollife.domain.terms import Term

Row = dict[str, Any]


@dataclass(frozen=True)
class Evaluated:
    """A published evaluation as consultations show it: its row (never to be changed: it
    may be shared by consultations), ready to average, with its class statistics."""

    row: Row
    graded: GradedEvaluation
    stats: Stats


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
        versions = await self.versions(group_ids)
        return [e.graded for e in await self.evaluated(group_ids, term, versions)]

    async def versions(self, group_ids: Sequence[str]) -> dict[str, str]:
        """Each group's last change to its evaluations (none yet: absent)."""
        docs = await self._reader.get_many(GROUP_VERSIONS, list(group_ids))
        return {group_id: doc["changed_by"] for group_id, doc in docs.items()}

    async def evaluated(
        self, group_ids: Sequence[str], term: Term, versions: dict[str, str]
    ) -> list[Evaluated]:
        """The published evaluations of these groups in the term, with their statistics,
        computed once per version of each group (`grades_cache`)."""
        found: list[Evaluated] = []
        for group_id in group_ids:
            version = versions.get(group_id)
            if version is None:  # no change recorded: read, keep nothing
                found.extend(await self._evaluated(group_id, term))
                continue
            key = (group_id, version, term.starts_on, term.ends_on)
            found.extend(await grades_cache.rows(key, partial(self._evaluated, group_id, term)))
        return found

    async def _evaluated(self, group_id: str, term: Term) -> list[Evaluated]:
        rows = await self.rows(group_id, term, published_only=True)
        return [Evaluated(row, e, evaluation_stats(e)) for row, e in ((r, graded(r)) for r in rows)]

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
