"""The read side of the directory: cards, search, the recipient assistant, the school's
rules, favourites, and the gateway's account look-up. Nothing here changes state.

Nobody learns about people they may not write to: a card, a search hit or an audience's
member is shown only to those the communication rules let write to them."""

from __future__ import annotations

from typing import Any

from ent_contracts.directory import Role
from ent_contracts.directory_api import Recipient, SignInAccount
from ent_kit.auth import Identity
from ent_kit.errors import Forbidden, NotFound, Refused
from ent_kit.storage import DocumentReader, Query, Range

from ent_directory import texts
from ent_directory.application.credentials import sign_in_answer
from ent_directory.application.management import (
    Management,
    require_service,
    user_not_found,
)
from ent_directory.application.projections import FAVOURITES, GROUPS, USERS
from ent_directory.application.reachability import ReachabilityService, today
from ent_directory.application.views import (
    Audience,
    AudienceMember,
    FavouriteView,
    RuleView,
    SearchResult,
    UserCard,
    card,
    favourite,
    rule_view,
)
from ent_directory.domain.rules import Reachability

MIN_SEARCH = 3
SEARCH_LIMIT = 200  # per name field: first names, last names
FAVOURITES_LIMIT = 200


class DirectoryQueries:
    def __init__(
        self, reader: DocumentReader, reachability: ReachabilityService, management: Management
    ) -> None:
        self._reader = reader
        self._reachability = reachability
        self._management = management

    # --- cards ------------------------------------------------------------------------

    async def me(self, caller: Identity) -> UserCard:
        doc = await self._reader.get(USERS, caller.user_id)
        if doc is None:
            raise user_not_found()
        return card(doc)

    async def user(self, caller: Identity, user_id: str) -> UserCard:
        """A user's card, for themselves, services, and those who may write to them;
        absent, and present but not yours to see, answer alike: no enumeration."""
        docs = await self._reachability.documents([user_id])
        if user_id in docs and (caller.is_service or user_id == caller.user_id):
            return card(docs[user_id])
        reach = await self._reachability.for_sender(caller.user_id, today())
        people = await self._reachability.people([user_id])
        if reach is None or user_id not in people or reach.may_write_to(people[user_id]) is None:
            raise user_not_found()
        return card(docs[user_id])

    async def account(self, caller: Identity, login: str) -> SignInAccount:
        """An account by login, for the gateway's sign-in (services only)."""
        require_service(caller)
        page = await self._reader.find(USERS, Query(where={"login": login.lower()}, limit=1))
        if not page.items:
            raise NotFound("login", "account_not_found", texts.ACCOUNT_NOT_FOUND)
        return await sign_in_answer(self._reader, page.items[0])

    # --- search and the recipient assistant -------------------------------------------

    async def search(self, caller: Identity, q: str) -> SearchResult:
        """People, audiences and favourites whose name starts with `q` (≥ 3 letters),
        among those the caller may write to."""
        prefix = q.strip().casefold()
        if len(prefix) < MIN_SEARCH:
            raise Refused("q", "too_short", texts.SEARCH_TOO_SHORT, min=MIN_SEARCH)
        reach = await self._reach(caller)
        found: dict[str, dict[str, Any]] = {}
        for field in ("first_key", "last_key"):
            query = Query(
                where={"school_id": reach.sender.school_id},
                ranges={field: Range(gte=prefix, lt=prefix + "\uffff")},
                order_by=[(field, "asc")],
                limit=SEARCH_LIMIT,
            )
            found |= {d["id"]: d for d in (await self._reader.find(USERS, query)).items}
        people = await self._reachability.people(list(found))
        visible = [found[u] for u, p in people.items() if reach.may_write_to(p) is not None]
        users = [card(d) for d in sorted(visible, key=lambda d: (d["last_name"], d["first_name"]))]
        groups = [a for a in await self._audiences(reach) if prefix in a.label.casefold()]
        favourites = await self.favourites(caller, prefix)
        return SearchResult(users=users, groups=groups, favourites=favourites)

    async def audiences(self, caller: Identity) -> list[Audience]:
        """The audiences the caller may address as a whole, by list, labelled."""
        return await self._audiences(await self._reach(caller))

    async def members(self, caller: Identity, group_id: str, role: Role) -> list[AudienceMember]:
        """An audience's members the caller may write to, its main teacher flagged; only
        for an audience the assistant lists to the caller (the rule reachability applies
        to a whole-audience send), so that a hijacked account cannot list a whole school
        or another class, one person at a time, to write to them by the hundred."""
        reach = await self._reach(caller)
        _may_expand(reach, group_id, role)
        audience = Recipient(group_id=group_id, role=role)
        ids = await self._reachability.audience_members(reach.sender.school_id, audience)
        people = await self._reachability.people(ids)
        docs = await self._reachability.documents(ids)
        allowed = [u for u in ids if u in people and reach.may_write_to(people[u])]
        return [
            AudienceMember(
                user_id=u,
                display_name=docs[u]["display_name"],
                profile=docs[u]["profile"],
                main_teacher=group_id in docs[u].get("main_teacher_of", []),
            )
            for u in allowed
        ]

    async def _reach(self, caller: Identity) -> Reachability:
        reach = await self._reachability.for_sender(caller.user_id, today())
        if reach is None:
            raise Forbidden("", "forbidden", texts.UNKNOWN_SENDER)
        return reach

    async def _audiences(self, reach: Reachability) -> list[Audience]:
        scopes = {r.recipient_scope for r in reach.rules}
        groups = await self._reader.get_many(GROUPS, sorted(scopes))
        found: dict[tuple[str, str], Audience] = {}
        for rule in reach.rules:
            if rule.recipient_role == "family":
                continue
            if rule.recipient_scope == reach.sender.school_id:
                if not reach.may_write_to_audience(rule.recipient_scope, rule.recipient_role):
                    continue
                name = texts.WHOLE_SCHOOL
            elif rule.recipient_scope in groups:
                name = groups[rule.recipient_scope]["name"]
            else:
                continue
            key = (rule.recipient_scope, rule.recipient_role)
            role = texts.ROLE_LABELS[rule.recipient_role]
            label = texts.AUDIENCE_LABEL.format(role=role, scope=name)
            found.setdefault(
                key, Audience(list_kind=rule.list_kind, group_id=key[0], role=key[1], label=label)
            )
        return sorted(found.values(), key=lambda a: (a.list_kind, a.label))

    # --- the school's rules, favourites ---------------------------------------------

    async def rules(self, caller: Identity, school_id: str) -> list[RuleView]:
        """The school's communication rules, for its direction (and services)."""
        await self._management.school(caller, school_id)
        return [rule_view(rule) for rule in await self._reachability.rules(school_id)]

    async def favourites(self, caller: Identity, prefix: str = "") -> list[FavouriteView]:
        """The caller's favourites, by name (those whose name starts with `prefix`)."""
        query = Query(
            where={"owner_id": caller.user_id},
            order_by=[("name_key", "asc")],
            limit=FAVOURITES_LIMIT,
        )
        page = await self._reader.find(FAVOURITES, query)
        return [favourite(d) for d in page.items if d["name_key"].startswith(prefix.casefold())]


def _may_expand(reach: Reachability, group_id: str, role: Role) -> None:
    """The whole school, which every account knows, is refused as reserved (403, the
    reason the reachability check gives); any group not the caller's to address answers
    like an unknown group (404), so that group ids cannot be probed."""
    if reach.may_write_to_audience(group_id, role):
        return
    if group_id == reach.sender.school_id:
        raise Forbidden("group_id", "reserved_to_management", texts.WHOLE_SCHOOL_RESERVED)
    raise NotFound("group_id", "audience_not_found", texts.AUDIENCE_NOT_FOUND)
