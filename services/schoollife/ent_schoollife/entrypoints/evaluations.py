"""The teacher's evaluations: create, enter grades, publish, delete; a group's list and the
entry sheet. Teachers of the group (a substitute during the period) and the direction
write; vie scolaire reads."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest, PageSize
from litestar import Controller, delete, get, post, put

from ent_schoollife.application.evaluations import Evaluations
from ent_schoollife.application.grades_views import (
    EntrySheet,
    EvaluationPage,
    EvaluationRequest,
    GradesRequest,
)


class EvaluationsController(Controller):
    path = "/schoollife/grades/evaluations"
    tags = ["schoollife"]

    @post(
        "/",
        status_code=201,
        summary="Create an evaluation of a group I teach, in a subject I teach",
        description="Not shown to students and parents until published. `out_of` any "
        "scale (20, 40, 10, 5); `brought_to_20`; `optional` or `bonus`.",
    )
    async def create(
        self, request: AnyRequest, data: EvaluationRequest, grades_evaluations: Evaluations
    ) -> EntrySheet:
        return await grades_evaluations.create(request.user, data)

    @get("/", summary="A group's evaluations, newest first (`mine`: those I created)")
    async def of_group(
        self,
        request: AnyRequest,
        grades_evaluations: Evaluations,
        group_id: str,
        mine: bool = False,
        cursor: str | None = None,
        limit: PageSize = 50,
    ) -> EvaluationPage:
        return await grades_evaluations.of_group(request.user, group_id, mine, cursor, limit)

    @get("/{evaluation_id:str}", summary="The grades entry sheet: every student of the group")
    async def sheet(
        self, request: AnyRequest, grades_evaluations: Evaluations, evaluation_id: str
    ) -> EntrySheet:
        return await grades_evaluations.sheet(request.user, evaluation_id)

    @put(
        "/{evaluation_id:str}/grades",
        summary="Enter or change grades: a number (quarter points) or Abs, Disp, NN",
        description="Only the students listed change. A student not in the group, a grade "
        "above `out_of` or not in quarter points is refused, naming the student. Once "
        "published, a change is shown at once.",
    )
    async def enter(
        self,
        request: AnyRequest,
        data: GradesRequest,
        grades_evaluations: Evaluations,
        evaluation_id: str,
    ) -> EntrySheet:
        return await grades_evaluations.enter(request.user, evaluation_id, data)

    @post(
        "/{evaluation_id:str}/publish",
        status_code=200,
        summary="Publish: the grades are shown to the students and their parents",
    )
    async def publish(
        self, request: AnyRequest, grades_evaluations: Evaluations, evaluation_id: str
    ) -> EntrySheet:
        return await grades_evaluations.publish(request.user, evaluation_id)

    @delete(
        "/{evaluation_id:str}",
        status_code=204,
        summary="Delete an evaluation never published (409 once published)",
    )
    async def remove(
        self, request: AnyRequest, grades_evaluations: Evaluations, evaluation_id: str
    ) -> None:
        await grades_evaluations.delete(request.user, evaluation_id)
