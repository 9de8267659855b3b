"""Aggregates of the directory: users, groups, schools and favourites. Pure: rules and events
only; a refusal is one of `ent_kit.errors`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import msgspec
from ent_contracts import DomainEvent
from ent_contracts.directory import (
    CommunicationRuleGranted,
    CommunicationRuleRevoked,
    FamilyLinked,
    FavouriteDeleted,
    FavouriteSaved,
    GroupCreated,
    GroupKind,
    GroupMembershipChanged,
    Profile,
    RecipientRef,
    SessionsEnded,
    SessionsEndReason,
    SubstitutionScheduled,
    UserDeactivated,
    UserFrozen,
    UserRegistered,
    UserUnfrozen,
    UserUpdated,
)
from ent_kit.aggregate import Aggregate
from ent_kit.errors import NotFound, Refused

from ent_directory import texts
from ent_directory.domain.rules import Rule


class AlreadyRegistered(Refused):
    """The user exists: a re-run of the same import or seed registers nobody twice."""

    def __init__(self, user_id: str) -> None:
        super().__init__(
            "user_id", "already_registered", texts.ALREADY_REGISTERED.format(user_id=user_id)
        )


class User(Aggregate):
    def __init__(self, user_id: str) -> None:
        super().__init__(user_id)
        self.registered: UserRegistered | None = None
        self.details: UserUpdated | None = None
        self.frozen = False
        self.active = False
        self.children: set[str] = set()
        # Raised each time the account's sessions end; tokens carry the one they got.
        self.session_version = 0

    @property
    def profile(self) -> Profile | None:
        return self.registered.profile if self.registered else None

    def register(self, event: UserRegistered) -> None:
        if self.registered is not None:
            raise AlreadyRegistered(self.id)
        self.trigger(event)

    def update(self, event: UserUpdated) -> bool:
        """Record changed details; False when nothing differs (an idempotent re-import)."""
        current = _normalized(self.details or _details_of(self._require()))
        event = _normalized(event)
        if event == current and self.active:
            return False
        self.trigger(event)
        return True

    def freeze(self, by: str, reason: str = "") -> None:
        """Sends refused and sessions ended: a frozen account is locked out at once."""
        if not self.frozen:
            self.trigger(UserFrozen(user_id=self.id, by=by, reason=reason))
            self.end_sessions("frozen")

    def unfreeze(self, by: str) -> None:
        if self.frozen:
            self.trigger(UserUnfrozen(user_id=self.id, by=by))

    def deactivate(self) -> bool:
        if not self.active:
            return False
        self.trigger(UserDeactivated(user_id=self.id))
        self.end_sessions("deactivated")
        return True

    def end_sessions(self, reason: SessionsEndReason) -> int:
        """Void every token the account holds (freeze, departure, a new password, "sign
        out everywhere"): the session version rises. Answers the new version."""
        self._require()
        version = self.session_version + 1
        self.trigger(SessionsEnded(user_id=self.id, session_version=version, reason=reason))
        return version

    def link_child(self, student: User) -> None:
        if self.profile != "parent":
            raise Refused("parent_id", "not_a_parent", texts.ONLY_PARENTS_ARE_LINKED)
        if student.profile != "student":
            raise Refused("student_id", "not_a_student", texts.PARENTS_ARE_LINKED_TO_STUDENTS)
        if student.id not in self.children:
            self.trigger(FamilyLinked(parent_id=self.id, student_id=student.id))

    def _require(self) -> UserRegistered:
        if self.registered is None:
            raise Refused("user_id", "not_registered", texts.NOT_REGISTERED.format(user_id=self.id))
        return self.registered

    def when(self, event: DomainEvent) -> None:
        match event:
            case UserRegistered():
                self.registered, self.active = event, True
            case UserUpdated():
                self.details, self.active = event, True
            case UserFrozen():
                self.frozen = True
            case UserUnfrozen():
                self.frozen = False
            case UserDeactivated():
                self.active = False
            case SessionsEnded():
                self.session_version = max(self.session_version, event.session_version)
            case FamilyLinked():
                self.children.add(event.student_id)


def _normalized(details: UserUpdated) -> UserUpdated:
    """Order of classes and subjects carries no meaning: compare them sorted."""
    return msgspec.structs.replace(
        details, classes=sorted(details.classes), subjects=sorted(details.subjects)
    )


def _details_of(registered: UserRegistered) -> UserUpdated:
    return UserUpdated(
        user_id=registered.user_id,
        first_name=registered.first_name,
        last_name=registered.last_name,
        classes=registered.classes,
        function=registered.function,
        subjects=registered.subjects,
    )


class Group(Aggregate):
    def __init__(self, group_id: str) -> None:
        super().__init__(group_id)
        self.created: GroupCreated | None = None
        self.members: set[str] = set()
        self.teachers: set[str] = set()
        self.main_teacher_id: str | None = None

    def create(self, school_id: str, kind: GroupKind, name: str) -> None:
        if self.created is not None:
            raise Refused("group_id", "already_exists", texts.GROUP_EXISTS.format(group_id=self.id))
        if not name.strip():
            raise Refused("name", "missing", texts.GROUP_NAME_REQUIRED)
        self.trigger(GroupCreated(group_id=self.id, school_id=school_id, kind=kind, name=name))

    def set_membership(
        self,
        members: set[str],
        teachers: set[str] | None = None,
        main_teacher_id: str | None = None,
    ) -> bool:
        """Make the group's members (and teachers, when given) exactly these. The main
        teacher stays unless another is named or they no longer teach the group."""
        teachers = self.teachers if teachers is None else teachers
        if main_teacher_id is None and self.main_teacher_id in teachers:
            main_teacher_id = self.main_teacher_id
        if main_teacher_id is not None and main_teacher_id not in teachers:
            raise Refused("main_teacher_id", "not_teaching", texts.MAIN_TEACHER_TEACHES)
        change = GroupMembershipChanged(
            group_id=self.id,
            members_added=sorted(members - self.members),
            members_removed=sorted(self.members - members),
            teachers_added=sorted(teachers - self.teachers),
            teachers_removed=sorted(self.teachers - teachers),
            main_teacher_id=main_teacher_id,
        )
        unchanged = not (
            change.members_added
            or change.members_removed
            or change.teachers_added
            or change.teachers_removed
        )
        if unchanged and main_teacher_id == self.main_teacher_id:
            return False
        self.trigger(change)
        return True

    def when(self, event: DomainEvent) -> None:
        match event:
            case GroupCreated():
                self.created = event
            case GroupMembershipChanged():
                self.members = (self.members | set(event.members_added)) - set(
                    event.members_removed
                )
                self.teachers = (self.teachers | set(event.teachers_added)) - set(
                    event.teachers_removed
                )
                self.main_teacher_id = event.main_teacher_id


class School(Aggregate):
    """Holds the school's communication rules and substitutions."""

    def __init__(self, school_id: str) -> None:
        super().__init__(school_id)
        self.rules: dict[str, Rule] = {}
        self.substitutions: set[str] = set()

    def grant(self, rule: Rule) -> bool:
        if any(r.same_permission(rule) for r in self.rules.values()):
            return False
        self.trigger(
            CommunicationRuleGranted(
                rule_id=rule.rule_id,
                school_id=self.id,
                list_kind=rule.list_kind,
                sender_scope=rule.sender_scope,
                sender_role=rule.sender_role,
                recipient_scope=rule.recipient_scope,
                recipient_role=rule.recipient_role,
            )
        )
        return True

    def revoke(self, rule_id: str) -> None:
        if rule_id not in self.rules:
            raise Refused("rule_id", "unknown_rule", texts.UNKNOWN_RULE)
        self.trigger(CommunicationRuleRevoked(rule_id=rule_id, school_id=self.id))

    def schedule_substitution(
        self,
        substitution_id: str,
        substitute: User,
        replaced: User,
        starts_on: date,
        ends_on: date,
    ) -> None:
        if substitute.profile != "teacher" or replaced.profile != "teacher":
            raise Refused("substitute_id", "not_teachers", texts.SUBSTITUTION_BETWEEN_TEACHERS)
        if ends_on < starts_on:
            raise Refused("ends_on", "before_start", texts.PERIOD_REVERSED)
        if substitution_id not in self.substitutions:
            self.trigger(
                SubstitutionScheduled(
                    substitution_id=substitution_id,
                    school_id=self.id,
                    substitute_id=substitute.id,
                    replaced_id=replaced.id,
                    starts_on=starts_on,
                    ends_on=ends_on,
                )
            )

    def when(self, event: DomainEvent) -> None:
        match event:
            case CommunicationRuleGranted():
                self.rules[event.rule_id] = Rule.from_event(event)
            case CommunicationRuleRevoked():
                self.rules.pop(event.rule_id, None)
            case SubstitutionScheduled():
                self.substitutions.add(event.substitution_id)


MAX_FAVOURITE_RECIPIENTS = 200


class Favourite(Aggregate):
    """A named set of recipients one user keeps for reuse ("mes favoris"). Someone else's
    favourite, a deleted one and an unknown one are alike: not found."""

    def __init__(self, favourite_id: str) -> None:
        super().__init__(favourite_id)
        self.owner_id: str | None = None
        self.deleted = False

    def create(self, owner_id: str, name: str, recipients: Sequence[RecipientRef]) -> None:
        if self.owner_id is not None:  # ids are drawn fresh: a client never meets this
            raise Refused("favourite_id", "already_exists", texts.FAVOURITE_EXISTS)
        self._save(owner_id, name, recipients)

    def change(self, owner_id: str, name: str, recipients: Sequence[RecipientRef]) -> None:
        self._require_owner(owner_id)
        self._save(owner_id, name, recipients)

    def delete(self, owner_id: str) -> None:
        self._require_owner(owner_id)
        self.trigger(FavouriteDeleted(favourite_id=self.id, owner_id=owner_id))

    def _require_owner(self, owner_id: str) -> None:
        if self.owner_id != owner_id or self.deleted:
            raise NotFound("favourite_id", "favourite_not_found", texts.FAVOURITE_NOT_FOUND)

    def _save(self, owner_id: str, name: str, recipients: Sequence[RecipientRef]) -> None:
        if not name.strip():
            raise Refused("name", "missing", texts.FAVOURITE_NAME_REQUIRED)
        if not 1 <= len(recipients) <= MAX_FAVOURITE_RECIPIENTS:
            raise Refused(
                "recipients",
                "count",
                texts.FAVOURITE_RECIPIENTS.format(max=MAX_FAVOURITE_RECIPIENTS),
            )
        # Plain references in the event, whatever subclass the caller validated with.
        plain = [
            RecipientRef(user_id=r.user_id, group_id=r.group_id, role=r.role) for r in recipients
        ]
        self.trigger(
            FavouriteSaved(
                favourite_id=self.id, owner_id=owner_id, name=name.strip(), recipients=plain
            )
        )

    def when(self, event: DomainEvent) -> None:
        match event:
            case FavouriteSaved():
                self.owner_id, self.deleted = event.owner_id, False
            case FavouriteDeleted():
                self.deleted = True
