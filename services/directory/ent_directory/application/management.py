"""Who may manage what, read from the directory (its people as the communication rules
see them) and decided by `domain.management`: a
school's direction manages its school; platform services (service tokens) manage every
school and alone use the internal sign-in look-ups."""

from __future__ import annotations

from ent_kit.auth import Identity
from ent_kit.errors import Forbidden, NotFound

from ent_directory import texts
from ent_directory.application.reachability import ReachabilityService
from ent_directory.domain.management import is_direction, manages_school, manages_user
from ent_directory.domain.rules import Person


def reserved_to_direction() -> Forbidden:
    return Forbidden("", "reserved_to_direction", texts.RESERVED_TO_DIRECTION)


def user_not_found() -> NotFound:
    return NotFound("user_id", "user_not_found", texts.USER_NOT_FOUND)


def require_service(caller: Identity) -> None:
    if not caller.is_service:
        raise Forbidden("", "forbidden", texts.RESERVED_TO_SERVICES)


def require_person(caller: Identity) -> str:
    """The caller's user id, when the caller is a person's account (not a service)."""
    if caller.is_service:
        raise Forbidden("", "accounts_only", texts.ACCOUNTS_ONLY)
    return caller.user_id


class Management:
    def __init__(self, people: ReachabilityService) -> None:
        self._people = people

    async def school(self, caller: Identity, school_id: str) -> None:
        """Forbidden unless the caller is a service or the direction of this school."""
        if caller.is_service:
            return
        me = await self._person(caller.user_id)
        if me is None or not manages_school(me, school_id):
            raise reserved_to_direction()

    async def user(self, caller: Identity, user_id: str) -> None:
        """Forbidden unless the caller is a service or in a direction; then NotFound unless
        the user is of the caller's school (unknown and of another school alike)."""
        me = None if caller.is_service else await self._person(caller.user_id)
        if not caller.is_service and (me is None or not is_direction(me)):
            raise reserved_to_direction()
        target = await self._person(user_id)
        if target is None or (me is not None and not manages_user(me, target)):
            raise user_not_found()

    async def _person(self, user_id: str) -> Person | None:
        return (await self._people.people([user_id])).get(user_id)
