"""Directory HTTP API: a school's communication rules, for its direction."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest
from litestar import Controller, delete, get, post

from ent_directory.application.administration import Administration
from ent_directory.application.queries import DirectoryQueries
from ent_directory.application.views import RuleBody, RuleView


class RulesController(Controller):
    path = "/directory/schools/{school_id:str}/rules"
    tags = ["directory"]

    @get("/", summary="The school's communication rules")
    async def rules(
        self, request: AnyRequest, queries: DirectoryQueries, school_id: str
    ) -> list[RuleView]:
        return await queries.rules(request.user, school_id)

    @post("/", summary="Grant a rule (one direction)")
    async def grant(
        self, request: AnyRequest, administration: Administration, school_id: str, data: RuleBody
    ) -> RuleView:
        return await administration.grant(request.user, school_id, data)

    @delete("/{rule_id:str}", summary="Revoke a rule")
    async def revoke(
        self, request: AnyRequest, administration: Administration, school_id: str, rule_id: str
    ) -> None:
        await administration.revoke(request.user, school_id, rule_id)
