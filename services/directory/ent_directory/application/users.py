"""Register users and seed the demo school."""

from __future__ import annotations

from ent_contracts import SYSTEM, Actor
from ent_kit.aggregate import Repository
from ent_kit.logging import get_logger
from ent_kit.storage import ConcurrencyConflict

from ent_directory.domain import demo_school
from ent_directory.domain.model import User

log = get_logger("ent.directory")


class UserService:
    def __init__(self, users: Repository[User]) -> None:
        self._users = users

    async def register(self, user: demo_school.DemoUser, school_id: str, actor: Actor) -> bool:
        """Register once; False when the user already exists (a re-run of the same seed)."""
        aggregate = User(user.user_id)
        aggregate.register(
            school_id=school_id,
            login=user.login,
            first_name=user.first_name,
            last_name=user.last_name,
            profile=user.profile,
            classes=user.classes,
            function=user.function,
        )
        try:
            await self._users.save(aggregate, actor)
        except ConcurrencyConflict:
            return False
        return True

    async def seed_demo_school(self) -> int:
        created = 0
        for user in demo_school.demo_users():
            created += await self.register(user, demo_school.SCHOOL_ID, SYSTEM)
        log.info("demo school seeded", school=demo_school.SCHOOL_NAME, new_users=created)
        return created
