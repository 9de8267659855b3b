"""Directory commands: each changes one aggregate with `Repository.update` (load, decide,
save; decide again on a concurrent write, a bounded number of times) and answers the log
position it reached. A missing aggregate is `NotFound`, unless the command creates it.

Unlike the command modules of the README, these do not wait for the projector: they are
the lower-level steps an import, the demo seed and the school's management are made of,
and a 2,000-row import must not wait 2,000 times. The use cases that answer a request wait,
once, when they are done: those of `administration.py` and `favourites.py`."""

from __future__ import annotations

from datetime import date

from ent_contracts import Actor
from ent_contracts.directory import GroupKind, SessionsEndReason, UserRegistered, UserUpdated
from ent_kit.errors import Refused
from ent_kit.repository import Repository
from ent_kit.signal import AppendSignal
from ent_kit.storage import EventStore

from ent_directory import texts
from ent_directory.domain.defaults import group_rules, school_rules
from ent_directory.domain.model import AlreadyRegistered, Group, School, User
from ent_directory.domain.rules import Rule


class DirectoryCommands:
    def __init__(self, events: EventStore, signal: AppendSignal) -> None:
        self.users = Repository(events, User, signal)
        self.groups = Repository(events, Group, signal)
        self.schools = Repository(events, School, signal)

    # --- people ---------------------------------------------------------------------

    async def register(self, user: UserRegistered, actor: Actor) -> bool:
        """False when the user already exists (a re-run of the same import or seed)."""
        try:
            await self.users.update(user.user_id, lambda u: u.register(user), actor, create=True)
        except AlreadyRegistered:
            return False
        return True

    async def update(self, details: UserUpdated, actor: Actor) -> bool:
        """False when nothing differs (an idempotent re-import)."""
        saved = await self.users.update(details.user_id, lambda u: u.update(details), actor)
        return saved.result

    async def deactivate(self, user_id: str, actor: Actor) -> bool:
        saved = await self.users.update(user_id, lambda u: u.deactivate(), actor)
        return saved.result

    async def freeze(self, user_id: str, actor: Actor, reason: str = "") -> int:
        saved = await self.users.update(user_id, lambda u: u.freeze(actor.id, reason), actor)
        return saved.position

    async def unfreeze(self, user_id: str, actor: Actor) -> int:
        saved = await self.users.update(user_id, lambda u: u.unfreeze(actor.id), actor)
        return saved.position

    async def end_sessions(self, user_id: str, reason: SessionsEndReason, actor: Actor) -> int:
        """Void every token the account holds (a new password, "sign out everywhere")."""
        saved = await self.users.update(user_id, lambda u: u.end_sessions(reason), actor)
        return saved.position

    async def link_family(self, parent_id: str, student_id: str, actor: Actor) -> int:
        student = await self.users.get(student_id)
        if student is None:
            message = texts.STUDENT_UNKNOWN.format(student_id=student_id)
            raise Refused("student_id", "unknown", message)
        saved = await self.users.update(parent_id, lambda p: p.link_child(student), actor)
        return saved.position

    # --- groups and schools -----------------------------------------------------------

    async def open_school(self, school_id: str, actor: Actor) -> int:
        """Grant the default rules of the seed's four lists (once)."""
        return await self._grant(school_id, school_rules(school_id), actor)

    async def create_group(
        self, group_id: str, school_id: str, kind: GroupKind, name: str, actor: Actor
    ) -> bool:
        """False when the group already exists (its rules were granted when it was made)."""

        def create(group: Group) -> bool:
            if group.created is not None:
                return False
            group.create(school_id, kind, name)
            return True

        saved = await self.groups.update(group_id, create, actor, create=True)
        if saved.result:
            await self._grant(school_id, group_rules(school_id, group_id, kind), actor)
        return saved.result

    async def set_membership(
        self,
        group_id: str,
        members: set[str],
        teachers: set[str] | None,
        actor: Actor,
        main_teacher_id: str | None = None,
    ) -> int:
        saved = await self.groups.update(
            group_id, lambda g: g.set_membership(members, teachers, main_teacher_id), actor
        )
        return saved.position

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
            raise Refused("substitute_id", "unknown", texts.SUBSTITUTION_TEACHERS_UNKNOWN)
        saved = await self.schools.update(
            school_id,
            lambda s: s.schedule_substitution(
                substitution_id, substitute, replaced, starts_on, ends_on
            ),
            actor,
            create=True,
        )
        return saved.position

    async def grant(self, school_id: str, rule: Rule, actor: Actor) -> int:
        return await self._grant(school_id, [rule], actor)

    async def revoke(self, school_id: str, rule_id: str, actor: Actor) -> int:
        saved = await self.schools.update(school_id, lambda s: s.revoke(rule_id), actor)
        return saved.position

    async def _grant(self, school_id: str, rules: list[Rule], actor: Actor) -> int:
        def decide(school: School) -> None:
            for rule in rules:
                school.grant(rule)

        saved = await self.schools.update(school_id, decide, actor, create=True)
        return saved.position
