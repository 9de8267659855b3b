"""Directory HTTP API: favourites, a user's saved recipient sets."""

from __future__ import annotations

from ent_kit.controllers import AnyRequest
from litestar import Controller, delete, get, post, put

from ent_directory.application.favourites import FavouriteCommands
from ent_directory.application.queries import DirectoryQueries
from ent_directory.application.views import FavouriteBody, FavouriteView


class FavouritesController(Controller):
    path = "/directory/favourites"
    tags = ["directory"]

    @get("/", summary="My favourites (saved recipient sets)")
    async def list_mine(
        self, request: AnyRequest, queries: DirectoryQueries
    ) -> list[FavouriteView]:
        return await queries.favourites(request.user)

    @post("/", summary="Save a set of recipients under a name")
    async def create(
        self, request: AnyRequest, data: FavouriteBody, favourites: FavouriteCommands
    ) -> FavouriteView:
        return await favourites.create(request.user, data)

    @put("/{favourite_id:str}", summary="Rename or change a favourite")
    async def change(
        self,
        request: AnyRequest,
        favourite_id: str,
        data: FavouriteBody,
        favourites: FavouriteCommands,
    ) -> FavouriteView:
        return await favourites.change(request.user, favourite_id, data)

    @delete("/{favourite_id:str}", summary="Delete a favourite")
    async def remove(
        self, request: AnyRequest, favourite_id: str, favourites: FavouriteCommands
    ) -> None:
        await favourites.delete(request.user, favourite_id)
