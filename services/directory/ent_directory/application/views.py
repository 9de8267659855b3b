"""What the directory's use cases take and answer: plain Structs, shaped from the read
models. The HTTP contract with other services is `ent_contracts.directory_api`."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from ent_contracts.directory import ListKind, Role
from ent_contracts.directory_api import Recipient, SignInAccount

from ent_directory.domain.model import MAX_FAVOURITE_RECIPIENTS
from ent_directory.domain.rules import Rule


class UserCard(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    display_name: str
    first_name: str
    last_name: str
    profile: str
    school_id: str
    classes: list[str]
    subjects: list[str] = []
    function: str | None = None
    main_teacher: bool = False


class Account(UserCard, frozen=True, kw_only=True):
    """A card with the account's state, for the school's management."""

    login: str
    frozen: bool
    active: bool


def _user_fields(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "user_id": doc["id"], "main_teacher": bool(doc.get("main_teacher_of"))}


def card(doc: dict[str, Any]) -> UserCard:
    """A user document of the read model, as others see it."""
    return msgspec.convert(_user_fields(doc), UserCard)


def account(doc: dict[str, Any]) -> Account:
    """A user document of the read model, as the school's management sees it."""
    return msgspec.convert(_user_fields(doc), Account)


def sign_in_account(doc: dict[str, Any]) -> SignInAccount:
    """A user document as the gateway needs it to issue a token."""
    return msgspec.convert({**doc, "user_id": doc["id"]}, SignInAccount)


class RuleBody(msgspec.Struct, frozen=True, kw_only=True):
    list_kind: ListKind
    sender_scope: str
    sender_role: Role
    recipient_scope: str
    recipient_role: Role


class RuleView(RuleBody, frozen=True, kw_only=True):
    rule_id: str


def rule_view(rule: Rule) -> RuleView:
    return msgspec.convert(rule, RuleView, from_attributes=True)


class Audience(msgspec.Struct, frozen=True, kw_only=True):
    list_kind: str
    group_id: str
    role: str
    label: str


class AudienceMember(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    display_name: str
    profile: str
    main_teacher: bool = False


class FavouriteBody(msgspec.Struct, frozen=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    recipients: Annotated[
        list[Recipient], msgspec.Meta(min_length=1, max_length=MAX_FAVOURITE_RECIPIENTS)
    ]


class FavouriteView(FavouriteBody, frozen=True, kw_only=True):
    favourite_id: str


def favourite(doc: dict[str, Any]) -> FavouriteView:
    """A favourite document of the read model."""
    return msgspec.convert({**doc, "favourite_id": doc["id"]}, FavouriteView)


class SearchResult(msgspec.Struct, frozen=True, kw_only=True):
    users: list[UserCard]
    groups: list[Audience]
    favourites: list[FavouriteView]
