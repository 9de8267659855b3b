"""Directory HTTP API about people: my card, others' cards, search, the recipient
assistant, the reachability check, and freezing accounts. HTTP in, one call, HTTP out."""

from __future__ import annotations

from typing import Annotated

import msgspec
from ent_contracts.directory import Role
from ent_contracts.directory_api import REACHABILITY_PATH, ReachabilityRequest, Verdict
from ent_kit.controllers import AnyRequest
from ent_kit.scopes import DIRECTORY_REACHABILITY, service_route
from litestar import Controller, get, post
from litestar.params import Parameter

from ent_directory.application.administration import Administration
from ent_directory.application.queries import MIN_SEARCH, DirectoryQueries
from ent_directory.application.reachability import ReachabilityService
from ent_directory.application.views import (
    Account,
    Audience,
    AudienceMember,
    SearchResult,
    UserCard,
)


class FreezeRequest(msgspec.Struct, frozen=True, kw_only=True):
    reason: str = ""


class PeopleController(Controller):
    path = "/directory"
    tags = ["directory"]

    @get("/me", summary="The signed-in user's own card")
    async def me(self, request: AnyRequest, queries: DirectoryQueries) -> UserCard:
        return await queries.me(request.user)

    @get("/users/{user_id:str}", summary="A user's card (fiche), for users I may write to")
    async def user(self, request: AnyRequest, queries: DirectoryQueries, user_id: str) -> UserCard:
        return await queries.user(request.user, user_id)

    @get(
        "/search",
        summary="Search the people, groups and favourites I may write to (≥ 3 letters)",
    )
    async def search(
        self,
        request: AnyRequest,
        queries: DirectoryQueries,
        q: Annotated[str, Parameter(min_length=MIN_SEARCH, max_length=100)],
    ) -> SearchResult:
        return await queries.search(request.user, q)

    @get("/assistant", summary="Recipient assistant: the audiences I may write to, by list")
    async def assistant(self, request: AnyRequest, queries: DirectoryQueries) -> list[Audience]:
        return await queries.audiences(request.user)

    @get("/assistant/members", summary="Expand an audience: its members, main teacher flagged")
    async def members(
        self, request: AnyRequest, queries: DirectoryQueries, group_id: str, role: Role
    ) -> list[AudienceMember]:
        return await queries.members(request.user, group_id, role)

    @post(
        "/users/{user_id:str}/freeze",
        status_code=200,
        summary="Freeze an account (direction): every send is refused, its sessions end",
    )
    async def freeze(
        self,
        request: AnyRequest,
        administration: Administration,
        user_id: str,
        data: FreezeRequest | None = None,
    ) -> Account:
        reason = data.reason if data is not None else ""
        return await administration.freeze(request.user, user_id, reason)

    @post("/users/{user_id:str}/unfreeze", status_code=200, summary="Unfreeze an account")
    async def unfreeze(
        self, request: AnyRequest, administration: Administration, user_id: str
    ) -> Account:
        return await administration.unfreeze(request.user, user_id)


class ReachabilityController(Controller):
    """The check mail, locker and transfer make before any send (`ent_contracts.directory_api`)."""

    path = REACHABILITY_PATH
    tags = ["directory"]
    # Users check for themselves; mail and locker for a sender they name.
    opt = service_route(DIRECTORY_REACHABILITY, users=True)

    @post(
        "/",
        status_code=200,  # a check creates nothing
        summary="Which recipients may this sender write to (≤ 200)",
    )
    async def check(
        self, request: AnyRequest, data: ReachabilityRequest, reachability: ReachabilityService
    ) -> Verdict:
        return await reachability.verdict(request.user, data)
