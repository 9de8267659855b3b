"""Favourites: a user's saved recipient sets, found again in the search bar. Each command
waits for the read model before it answers (read-your-writes)."""

from __future__ import annotations

from collections.abc import Callable

from ent_kit.aggregate import new_event_id
from ent_kit.auth import Identity
from ent_kit.errors import NotFound
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository

from ent_directory import texts
from ent_directory.application.views import FavouriteBody, FavouriteView
from ent_directory.domain.model import Favourite


class FavouriteCommands:
    def __init__(self, favourites: Repository[Favourite], projector: LocalProjector) -> None:
        self._favourites = favourites
        self._projector = projector

    async def create(self, caller: Identity, body: FavouriteBody) -> FavouriteView:
        favourite_id = new_event_id()
        saved = await self._favourites.update(
            favourite_id,
            lambda f: f.create(caller.user_id, body.name, body.recipients),
            caller.actor,
            create=True,
        )
        await self._projector.caught_up(saved.position)
        return _view(favourite_id, body)

    async def change(
        self, caller: Identity, favourite_id: str, body: FavouriteBody
    ) -> FavouriteView:
        """Rename or change one of the caller's favourites."""
        await self._mine(
            caller, favourite_id, lambda f: f.change(caller.user_id, body.name, body.recipients)
        )
        return _view(favourite_id, body)

    async def delete(self, caller: Identity, favourite_id: str) -> None:
        await self._mine(caller, favourite_id, lambda f: f.delete(caller.user_id))

    async def _mine(
        self, caller: Identity, favourite_id: str, decide: Callable[[Favourite], None]
    ) -> None:
        """Change a favourite of the caller's; unknown and someone else's answer alike."""
        try:
            saved = await self._favourites.update(favourite_id, decide, caller.actor)
        except NotFound:
            raise NotFound(
                "favourite_id", "favourite_not_found", texts.FAVOURITE_NOT_FOUND
            ) from None
        await self._projector.caught_up(saved.position)


def _view(favourite_id: str, body: FavouriteBody) -> FavouriteView:
    return FavouriteView(
        favourite_id=favourite_id, name=body.name.strip(), recipients=body.recipients
    )
