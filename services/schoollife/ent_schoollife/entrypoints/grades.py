"""The grades as students and parents consult them (with the child switch), the school's
terms and subject coefficients, a group's averages for its teachers and staff."""

from __future__ import annotations

from typing import Annotated

from ent_kit.controllers import AnyRequest
from litestar import Controller, get, put
from litestar.params import Parameter

from ent_schoollife.application.competencies import Competencies
from ent_schoollife.application.grades_consultation import MAX_LATEST, GradesConsultation
from ent_schoollife.application.grades_setup import GradesSetup
from ent_schoollife.application.grades_views import (
    CoefficientRequest,
    CoefficientsView,
    GroupAverages,
    LatestGrades,
    StudentCompetencies,
    StudentGrades,
    TermsRequest,
    TermsView,
)
from ent_schoollife.application.group_averages import GroupAveragesQuery

STUDENT = "The student consulted: a parent's child (may be left out with one child), a "
TERM = "A term id of the current school year (`GET /schoollife/grades/terms`); default: "
StudentId = Annotated[
    str | None, Parameter(description=STUDENT + "student of a group taught, or of the school")
]
TermId = Annotated[str | None, Parameter(description=TERM + "the current term")]
Latest = Annotated[int, Parameter(ge=1, le=MAX_LATEST, description="How many grades")]
AVERAGES = (
    "Computed at the time of consultation. A grade out of N is read on 20 (*20/N); an "
    "evaluation brought to 20 weighs its coefficient, otherwise coefficient * N/20; Abs, "
    "Disp and NN count for nothing; an optional grade counts only if it raises the "
    "average; a bonus grade adds (g - 10) * its weight, not in the denominator; overall: "
    "subject averages weighted by the school's subject coefficients; class averages are "
    "means of the students' averages. Class average, min and max of an evaluation are on "
    "its scale."
)


class GradesController(Controller):
    path = "/schoollife/grades"
    tags = ["schoollife"]

    @get("/terms", summary="My school's terms (trimestres or semestres) and the current one")
    async def terms(self, request: AnyRequest, grades_setup: GradesSetup) -> TermsView:
        return await grades_setup.terms(request.user)

    @put(
        "/terms",
        summary="Define the school's terms of a school year (direction)",
        description="2 semesters, 3 trimesters or 4 periods, end to end, between 1 "
        "September and 31 August. Until defined, the school follows the usual trimesters.",
    )
    async def define_terms(
        self, request: AnyRequest, data: TermsRequest, grades_setup: GradesSetup
    ) -> TermsView:
        return await grades_setup.define_terms(request.user, data)

    @get("/coefficients", summary="The subject coefficients my school set (others weigh 1)")
    async def coefficients(
        self, request: AnyRequest, grades_setup: GradesSetup
    ) -> CoefficientsView:
        return await grades_setup.coefficients(request.user)

    @put(
        "/coefficients/{subject:str}",
        summary="Set a subject's coefficient in the overall average (direction)",
    )
    async def set_coefficient(
        self, request: AnyRequest, data: CoefficientRequest, grades_setup: GradesSetup, subject: str
    ) -> CoefficientsView:
        return await grades_setup.set_coefficient(request.user, subject, data.coefficient)

    @get(
        "/chronological",
        summary="A student's published grades of a term, newest first, with the averages",
        description=AVERAGES,
    )
    async def chronological(
        self,
        request: AnyRequest,
        grades_consultation: GradesConsultation,
        student_id: StudentId = None,
        term_id: TermId = None,
    ) -> StudentGrades:
        return await grades_consultation.chronological(request.user, student_id, term_id)

    @get(
        "/by-subject",
        summary="A student's published grades of a term by subject, with subject averages",
        description=AVERAGES,
    )
    async def by_subject(
        self,
        request: AnyRequest,
        grades_consultation: GradesConsultation,
        student_id: StudentId = None,
        term_id: TermId = None,
    ) -> StudentGrades:
        return await grades_consultation.by_subject(request.user, student_id, term_id)

    @get("/latest", summary="A student's latest published grades (the home page's)")
    async def latest(
        self,
        request: AnyRequest,
        grades_consultation: GradesConsultation,
        student_id: StudentId = None,
        limit: Latest = 5,
    ) -> LatestGrades:
        return await grades_consultation.latest(request.user, student_id, limit)

    @get(
        "/competencies",
        summary="A student's published competency evaluations of a term, with their levels",
    )
    async def competencies(
        self,
        request: AnyRequest,
        grades_competencies: Competencies,
        student_id: StudentId = None,
        term_id: TermId = None,
    ) -> StudentCompetencies:
        return await grades_competencies.of_student(request.user, student_id, term_id)

    @get(
        "/groups/{group_id:str}/averages",
        summary="A group's averages of a term per student and subject (its teachers, staff)",
        description="Published grades only. For a class, the grades of every group its "
        "students belong to count. " + AVERAGES,
    )
    async def group_averages(
        self,
        request: AnyRequest,
        grades_group_averages: GroupAveragesQuery,
        group_id: str,
        term_id: TermId = None,
    ) -> GroupAverages:
        return await grades_group_averages(request.user, group_id, term_id)
