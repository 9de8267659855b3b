"""Directory HTTP API (a first slice: who is who)."""

from __future__ import annotations

from typing import Any

import msgspec
from ent_kit.auth import Identity
from ent_kit.problems import Problem
from ent_kit.runtime import Runtime
from ent_kit.storage import Query
from litestar import Controller, Request, get
from litestar.exceptions import PermissionDeniedException

from ent_directory.application.projections import USERS


class UserCard(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    display_name: str
    first_name: str
    last_name: str
    profile: str
    school_id: str
    classes: list[str]
    function: str | None = None


class Account(UserCard, frozen=True, kw_only=True):
    login: str


def _card(doc: dict[str, Any], cls: type[UserCard] = UserCard) -> Any:
    return msgspec.convert({**doc, "user_id": doc["id"]}, cls)


async def visible_card(runtime: Runtime, me: Identity, user_id: str) -> UserCard:
    doc = await runtime.storage.documents.get(USERS, user_id)
    # Same answer for "absent" and "not yours to see": no enumeration across schools.
    if doc is None or (not me.is_service and doc["school_id"] != me.school_id):
        raise Problem(404, "user_not_found", "Utilisateur introuvable")
    card: UserCard = _card(doc)
    return card


class UsersController(Controller):
    path = "/directory"
    tags = ["directory"]

    @get("/me", summary="The signed-in user's own card")
    async def me(self, request: Request[Identity, Any, Any], runtime: Runtime) -> UserCard:
        return await visible_card(runtime, request.user, request.user.user_id)

    @get("/users/{user_id:str}", summary="A user's card (same school only)")
    async def user(
        self, request: Request[Identity, Any, Any], runtime: Runtime, user_id: str
    ) -> UserCard:
        return await visible_card(runtime, request.user, user_id)

    @get(
        "/internal/accounts/{login:str}",
        summary="Account by login, for the gateway's sign-in (service tokens only)",
        include_in_schema=False,
    )
    async def account(
        self, request: Request[Identity, Any, Any], runtime: Runtime, login: str
    ) -> Account:
        if not request.user.is_service:
            raise PermissionDeniedException("service token required")
        page = await runtime.storage.documents.find(
            USERS, Query(where={"login": login.lower()}, limit=1)
        )
        if not page.items:
            raise Problem(404, "account_not_found", "Identifiant inconnu")
        account: Account = _card(page.items[0], Account)
        return account
