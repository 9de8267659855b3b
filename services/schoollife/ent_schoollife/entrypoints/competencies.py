"""The teacher's competency evaluations: items assessed per student on four levels (très
bonne maîtrise, satisfaisante, fragile, insuffisante), published like an evaluation."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest, PageSize
from litestar import Controller, get, post, put

from ent_schoollife.application.competencies import Competencies
from ent_schoollife.application.grades_views import (
    AssessmentsRequest,
    CompetencyEvaluationRequest,
    CompetencyPage,
    CompetencySheet,
)


class CompetenciesController(Controller):
    path = "/schoollife/grades/competency-evaluations"
    tags = ["schoollife"]

    @post(
        "/",
        status_code=201,
        summary="Create a competency evaluation of a group I teach (its items, in order)",
    )
    async def create(
        self,
        request: AnyRequest,
        data: CompetencyEvaluationRequest,
        grades_competencies: Competencies,
    ) -> CompetencySheet:
        return await grades_competencies.create(request.user, data)

    @get("/", summary="A group's competency evaluations, newest first")
    async def of_group(
        self,
        request: AnyRequest,
        grades_competencies: Competencies,
        group_id: str,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> CompetencyPage:
        return await grades_competencies.of_group(request.user, group_id, cursor, limit)

    @get("/{evaluation_id:str}", summary="The assessment sheet: each student's levels")
    async def sheet(
        self, request: AnyRequest, grades_competencies: Competencies, evaluation_id: str
    ) -> CompetencySheet:
        return await grades_competencies.sheet(request.user, evaluation_id)

    @put(
        "/{evaluation_id:str}/levels",
        summary="Set students' levels on items (tres_bonne_maitrise, satisfaisante, "
        "fragile, insuffisante)",
    )
    async def assess(
        self,
        request: AnyRequest,
        data: AssessmentsRequest,
        grades_competencies: Competencies,
        evaluation_id: str,
    ) -> CompetencySheet:
        return await grades_competencies.assess(request.user, evaluation_id, data)

    @post(
        "/{evaluation_id:str}/publish",
        status_code=200,
        summary="Publish: the levels are shown to the students and their parents",
    )
    async def publish(
        self, request: AnyRequest, grades_competencies: Competencies, evaluation_id: str
    ) -> CompetencySheet:
        return await grades_competencies.publish(request.user, evaluation_id)
