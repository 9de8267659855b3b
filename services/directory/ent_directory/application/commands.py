"""Directory commands: load an aggregate, let it decide, save with optimistic concurrency."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

from ent_contracts import Actor
from ent_contracts.directory import GroupKind, RecipientRef, UserRegistered, UserUpdated
from ent_kit.aggregate import Aggregate
from ent_kit.repository import Repository
from ent_kit.signal import AppendSignal
from ent_kit.storage import ConcurrencyConflict, EventStore

from ent_directory.domain.defaults import group_rules, school_rules
from ent_directory.domain.model import DirectoryRefused, Favourite, Group, School, User
from ent_directory.domain.rules import Rule

A = TypeVar("A", bound=Aggregate)
ATTEMPTS = 5


class DirectoryCommands:
    def __init__(self, events: EventStore, signal: AppendSignal) -> None:
        self.users = Repository(events, User, signal)
        self.groups = Repository(events, Group, signal)
        self.schools = Repository(events, School, signal)
        self.favourites = Repository(events, Favourite, signal)

    async def _change(
        self,
        repository: Repository[A],
        aggregate_id: str,
        decide: Callable[[A], object],
        actor: Actor,
        *,
        create: Callable[[str], A] | None = None,
    ) -> int:
        """Load, decide, save; on a concurrent write, reload and decide again."""
        for attempt in range(ATTEMPTS):
            aggregate = await repository.get(aggregate_id)
            if aggregate is None:
                if create is None:
                    raise DirectoryRefused("id", f"{aggregate_id} does not exist")
                aggregate = create(aggregate_id)
            decide(aggregate)
            try:
                return await repository.save(aggregate, actor)
            except ConcurrencyConflict:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    # --- people ---------------------------------------------------------------------

    async def register(self, user: UserRegistered, actor: Actor) -> bool:
        """False when the user already exists (a re-run of the same import or seed)."""
        existing = await self.users.get(user.user_id)
        if existing is not None:
            return False
        fresh = User(user.user_id)
        fresh.register(user)
        try:
            await self.users.save(fresh, actor)
        except ConcurrencyConflict:
            return False
        return True

    async def update(self, details: UserUpdated, actor: Actor) -> bool:
        changed = False

        def decide(user: User) -> None:
            nonlocal changed
            changed = user.update(details)

        await self._change(self.users, details.user_id, decide, actor)
        return changed

    async def deactivate(self, user_id: str, actor: Actor) -> bool:
        changed = False

        def decide(user: User) -> None:
            nonlocal changed
            changed = user.deactivate()

        await self._change(self.users, user_id, decide, actor)
        return changed

    async def freeze(self, user_id: str, actor: Actor, reason: str = "") -> int:
        return await self._change(self.users, user_id, lambda u: u.freeze(actor.id, reason), actor)

    async def unfreeze(self, user_id: str, actor: Actor) -> int:
        return await self._change(self.users, user_id, lambda u: u.unfreeze(actor.id), actor)

    async def link_family(self, parent_id: str, student_id: str, actor: Actor) -> int:
        student = await self.users.get(student_id)
        if student is None:
            raise DirectoryRefused("student_id", f"{student_id} does not exist")
        return await self._change(self.users, parent_id, lambda p: p.link_child(student), actor)

    # --- groups and schools -----------------------------------------------------------

    async def open_school(self, school_id: str, actor: Actor) -> int:
        """Grant the default rules of the seed's four lists (once)."""
        return await self._grant(school_id, school_rules(school_id), actor)

    async def create_group(
        self, group_id: str, school_id: str, kind: GroupKind, name: str, actor: Actor
    ) -> bool:
        if await self.groups.get(group_id) is not None:
            return False
        await self._change(
            self.groups, group_id, lambda g: g.create(school_id, kind, name), actor, create=Group
        )
        await self._grant(school_id, group_rules(school_id, group_id, kind), actor)
        return True

    async def set_membership(
        self,
        group_id: str,
        members: set[str],
        teachers: set[str] | None,
        actor: Actor,
        main_teacher_id: str | None = None,
    ) -> int:
        return await self._change(
            self.groups,
            group_id,
            lambda g: g.set_membership(members, teachers, main_teacher_id),
            actor,
        )

    async def schedule_substitution(
        self,
        substitution_id: str,
        school_id: str,
        substitute_id: str,
        replaced_id: str,
        starts_on: date,
        ends_on: date,
        actor: Actor,
    ) -> int:
        substitute = await self.users.get(substitute_id)
        replaced = await self.users.get(replaced_id)
        if substitute is None or replaced is None:
            raise DirectoryRefused("substitute_id", "both teachers must exist")
        return await self._change(
            self.schools,
            school_id,
            lambda s: s.schedule_substitution(
                substitution_id, substitute, replaced, starts_on, ends_on
            ),
            actor,
            create=School,
        )

    async def save_favourite(
        self,
        favourite_id: str,
        owner_id: str,
        name: str,
        recipients: Sequence[RecipientRef],
        actor: Actor,
    ) -> int:
        return await self._change(
            self.favourites,
            favourite_id,
            lambda f: f.save(owner_id, name, recipients),
            actor,
            create=Favourite,
        )

    async def delete_favourite(self, favourite_id: str, owner_id: str, actor: Actor) -> int:
        return await self._change(
            self.favourites, favourite_id, lambda f: f.delete(owner_id), actor
        )

    async def grant(self, school_id: str, rule: Rule, actor: Actor) -> int:
        return await self._grant(school_id, [rule], actor)

    async def revoke(self, school_id: str, rule_id: str, actor: Actor) -> int:
        return await self._change(self.schools, school_id, lambda s: s.revoke(rule_id), actor)

    async def _grant(self, school_id: str, rules: list[Rule], actor: Actor) -> int:
        def decide(school: School) -> None:
            for rule in rules:
                school.grant(rule)

        return await self._change(self.schools, school_id, decide, actor, create=School)
