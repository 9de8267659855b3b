"""Users of a school. Pure: no I/O, only rules and events."""

from __future__ import annotations

from ent_contracts import DomainEvent
from ent_contracts.directory import Profile, UserRegistered
from ent_kit.aggregate import Aggregate


class AlreadyRegistered(Exception):
    pass


class User(Aggregate):
    def __init__(self, user_id: str) -> None:
        super().__init__(user_id)
        self.registered: UserRegistered | None = None

    def register(
        self,
        *,
        school_id: str,
        login: str,
        first_name: str,
        last_name: str,
        profile: Profile,
        classes: list[str],
        function: str | None = None,
    ) -> None:
        if self.registered is not None:
            raise AlreadyRegistered(self.id)
        self.trigger(
            UserRegistered(
                user_id=self.id,
                school_id=school_id,
                login=login,
                first_name=first_name,
                last_name=last_name,
                profile=profile,
                classes=classes,
                function=function,
            )
        )

    def when(self, event: DomainEvent) -> None:
        match event:
            case UserRegistered():
                self.registered = event
