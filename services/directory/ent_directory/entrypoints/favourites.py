"""Favourites: a user's saved recipient sets, found again in the search bar."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from ent_contracts import Actor
from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.problems import Problem, field_error
from ent_kit.runtime import Runtime
from ent_kit.storage import Query
from litestar import Controller, Request, delete, get, post, put

from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.projections import FAVOURITES
from ent_directory.application.reachability import Recipient
from ent_directory.domain.model import MAX_FAVOURITE_RECIPIENTS, DirectoryRefused

AnyRequest = Request[Identity, Any, Any]


class FavouriteBody(msgspec.Struct, frozen=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    recipients: Annotated[
        list[Recipient], msgspec.Meta(min_length=1, max_length=MAX_FAVOURITE_RECIPIENTS)
    ]


class FavouriteView(FavouriteBody, frozen=True, kw_only=True):
    favourite_id: str


def view(doc: dict[str, Any]) -> FavouriteView:
    return msgspec.convert({**doc, "favourite_id": doc["id"]}, FavouriteView)


async def my_favourites(runtime: Runtime, owner_id: str, prefix: str = "") -> list[FavouriteView]:
    query = Query(where={"owner_id": owner_id}, order_by=[("name_key", "asc")], limit=200)
    page = await runtime.storage.documents.find(FAVOURITES, query)
    return [view(d) for d in page.items if d["name_key"].startswith(prefix.casefold())]


class FavouritesController(Controller):
    path = "/directory/favourites"
    tags = ["directory"]

    @get("/", summary="My favourites (saved recipient sets)")
    async def list_mine(self, request: AnyRequest, runtime: Runtime) -> list[FavouriteView]:
        return await my_favourites(runtime, request.user.user_id)

    @post("/", summary="Save a set of recipients under a name")
    async def create(
        self,
        request: AnyRequest,
        data: FavouriteBody,
        commands: DirectoryCommands,
        runtime: Runtime,
    ) -> FavouriteView:
        return await _save(request.user, new_event_id(), data, commands, runtime)

    @put("/{favourite_id:str}", summary="Rename or change a favourite")
    async def change(
        self,
        request: AnyRequest,
        favourite_id: str,
        data: FavouriteBody,
        commands: DirectoryCommands,
        runtime: Runtime,
    ) -> FavouriteView:
        await _mine(runtime, request.user, favourite_id)
        return await _save(request.user, favourite_id, data, commands, runtime)

    @delete("/{favourite_id:str}", summary="Delete a favourite")
    async def remove(
        self,
        request: AnyRequest,
        favourite_id: str,
        commands: DirectoryCommands,
        runtime: Runtime,
    ) -> None:
        await _mine(runtime, request.user, favourite_id)
        position = await commands.delete_favourite(
            favourite_id, request.user.user_id, Actor(kind="user", id=request.user.user_id)
        )
        await runtime.projectors["directory"].caught_up(position)


async def _mine(runtime: Runtime, me: Identity, favourite_id: str) -> dict[str, Any]:
    doc = await runtime.storage.documents.get(FAVOURITES, favourite_id)
    if doc is None or doc["owner_id"] != me.user_id:  # not found and not yours alike
        raise Problem(404, "favourite_not_found", "Favori introuvable")
    return doc


async def _save(
    me: Identity,
    favourite_id: str,
    data: FavouriteBody,
    commands: DirectoryCommands,
    runtime: Runtime,
) -> FavouriteView:
    try:
        position = await commands.save_favourite(
            favourite_id,
            me.user_id,
            data.name,
            data.recipients,
            Actor(kind="user", id=me.user_id),
        )
    except DirectoryRefused as refused:
        raise field_error(refused.field, refused.message) from None
    await runtime.projectors["directory"].caught_up(position)
    return FavouriteView(
        favourite_id=favourite_id, name=data.name.strip(), recipients=data.recipients
    )
