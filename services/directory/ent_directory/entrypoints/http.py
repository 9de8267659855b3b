"""Directory HTTP API. Nobody learns about people they may not write to."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated, Any

import msgspec
from ent_contracts import Actor
from ent_contracts.directory import ListKind, Role
from ent_kit.auth import Identity
from ent_kit.problems import Problem, field_error
from ent_kit.runtime import Runtime
from ent_kit.storage import Query, Range
from litestar import Controller, Request, delete, get, post
from litestar.params import Parameter

from ent_directory.application.commands import DirectoryCommands
from ent_directory.application.projections import GROUPS, RULES, USERS
from ent_directory.application.reachability import (
    MAX_RECIPIENTS,
    ReachabilityService,
    Recipient,
    Verdict,
)
from ent_directory.application.school_import import (
    MAX_IMPORT_BYTES,
    ImportFileError,
    ImportReport,
    ImportTooLarge,
    SchoolImport,
    decode_lines,
    parse_csv,
)
from ent_directory.domain.defaults import permission
from ent_directory.domain.model import DirectoryRefused
from ent_directory.domain.rules import Reachability
from ent_directory.entrypoints.favourites import FavouriteView, my_favourites

AnyRequest = Request[Identity, Any, Any]
Recipients = Annotated[list[Recipient], msgspec.Meta(min_length=1)]


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
    login: str
    frozen: bool
    active: bool


class ReachabilityRequest(msgspec.Struct, frozen=True, kw_only=True):
    recipients: Recipients
    sender_id: str | None = None  # services check on behalf of a user; users for themselves


class FreezeRequest(msgspec.Struct, frozen=True, kw_only=True):
    reason: str = ""


class RuleBody(msgspec.Struct, frozen=True, kw_only=True):
    list_kind: ListKind
    sender_scope: str
    sender_role: Role
    recipient_scope: str
    recipient_role: Role


class RuleView(RuleBody, frozen=True, kw_only=True):
    rule_id: str


class Audience(msgspec.Struct, frozen=True, kw_only=True):
    list_kind: str
    group_id: str
    role: str
    label: str


class SearchResult(msgspec.Struct, frozen=True, kw_only=True):
    users: list[UserCard]
    groups: list[Audience]
    favourites: list[FavouriteView]


class AudienceMember(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    display_name: str
    profile: str
    main_teacher: bool = False


def card(doc: dict[str, Any], cls: type[UserCard] = UserCard) -> Any:
    fields = {**doc, "user_id": doc["id"], "main_teacher": bool(doc.get("main_teacher_of"))}
    return msgspec.convert(fields, cls)


def today() -> date:
    return datetime.now(UTC).date()


class DirectoryController(Controller):
    path = "/directory"
    tags = ["directory"]

    @get("/me", summary="The signed-in user's own card")
    async def me(self, request: AnyRequest, runtime: Runtime) -> UserCard:
        doc = await runtime.storage.documents.get(USERS, request.user.user_id)
        if doc is None:
            raise Problem(404, "user_not_found", "Utilisateur introuvable")
        result: UserCard = card(doc)
        return result

    @get("/users/{user_id:str}", summary="A user's card (fiche), for users I may write to")
    async def user(
        self, request: AnyRequest, reachability: ReachabilityService, user_id: str
    ) -> UserCard:
        doc = await _visible(request.user, reachability, user_id)
        result: UserCard = card(doc)
        return result

    @post(
        "/reachability",
        status_code=200,  # a check creates nothing
        summary="Which recipients may this sender write to (≤ 200)",
    )
    async def check(
        self, request: AnyRequest, data: ReachabilityRequest, reachability: ReachabilityService
    ) -> Verdict:
        if len(data.recipients) > MAX_RECIPIENTS:
            raise field_error("recipients", f"au plus {MAX_RECIPIENTS} destinataires")
        sender_id = _sender(request.user, data.sender_id)
        return await reachability.check(sender_id, data.recipients, today())

    @get(
        "/search",
        summary="Search the people, groups and favourites I may write to (≥ 3 letters)",
    )
    async def search(
        self,
        request: AnyRequest,
        reachability: ReachabilityService,
        runtime: Runtime,
        q: Annotated[str, Parameter(min_length=3, max_length=100)],
    ) -> SearchResult:
        prefix = q.strip().casefold()
        if len(prefix) < 3:
            raise field_error("q", "au moins 3 lettres")
        reach = await _reach(request.user, reachability)
        found: dict[str, dict[str, Any]] = {}
        for field in ("first_key", "last_key"):
            query = Query(
                where={"school_id": reach.sender.school_id},
                ranges={field: Range(gte=prefix, lt=prefix + "\uffff")},
                order_by=[(field, "asc")],
                limit=200,
            )
            found |= {
                d["id"]: d for d in (await runtime.storage.documents.find(USERS, query)).items
            }
        people = await reachability.people(list(found))
        visible = [found[u] for u, p in people.items() if reach.may_write_to(p) is not None]
        users = [card(d) for d in sorted(visible, key=lambda d: (d["last_name"], d["first_name"]))]
        groups = [a for a in await audiences(reach, runtime) if prefix in a.label.casefold()]
        favourites = await my_favourites(runtime, request.user.user_id, prefix)
        return SearchResult(users=users, groups=groups, favourites=favourites)

    @get("/assistant", summary="Recipient assistant: the audiences I may write to, by list")
    async def assistant(
        self, request: AnyRequest, reachability: ReachabilityService, runtime: Runtime
    ) -> list[Audience]:
        return await audiences(await _reach(request.user, reachability), runtime)

    @get("/assistant/members", summary="Expand an audience: its members, main teacher flagged")
    async def members(
        self, request: AnyRequest, reachability: ReachabilityService, group_id: str, role: Role
    ) -> list[AudienceMember]:
        reach = await _reach(request.user, reachability)
        audience = Recipient(group_id=group_id, role=role)
        ids = await reachability.audience_members(reach.sender.school_id, audience)
        people = await reachability.people(ids)
        docs = await reachability.documents(ids)
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

    @post("/users/{user_id:str}/freeze", status_code=200, summary="Freeze an account")
    async def freeze(
        self,
        request: AnyRequest,
        commands: DirectoryCommands,
        runtime: Runtime,
        user_id: str,
        data: FreezeRequest,
    ) -> Account:
        await _require_management(request.user, runtime, user_id)
        await _refused_as_problem(commands.freeze(user_id, _actor(request.user), data.reason))
        return await _account(runtime, user_id)

    @post("/users/{user_id:str}/unfreeze", status_code=200, summary="Unfreeze an account")
    async def unfreeze(
        self, request: AnyRequest, commands: DirectoryCommands, runtime: Runtime, user_id: str
    ) -> Account:
        await _require_management(request.user, runtime, user_id)
        await _refused_as_problem(commands.unfreeze(user_id, _actor(request.user)))
        return await _account(runtime, user_id)

    @get("/schools/{school_id:str}/rules", summary="The school's communication rules")
    async def rules(self, request: AnyRequest, runtime: Runtime, school_id: str) -> list[RuleView]:
        await _require_school_management(request.user, runtime, school_id)
        page = await runtime.storage.documents.find(
            RULES, Query(where={"school_id": school_id}, limit=1000)
        )
        return [msgspec.convert({**d, "rule_id": d["id"]}, RuleView) for d in page.items]

    @post("/schools/{school_id:str}/rules", summary="Grant a rule (one direction)")
    async def grant(
        self,
        request: AnyRequest,
        commands: DirectoryCommands,
        runtime: Runtime,
        school_id: str,
        data: RuleBody,
    ) -> RuleView:
        await _require_school_management(request.user, runtime, school_id)
        rule = permission(
            data.list_kind,
            data.sender_scope,
            data.sender_role,
            data.recipient_scope,
            data.recipient_role,
        )
        position = await _refused_as_problem(commands.grant(school_id, rule, _actor(request.user)))
        await runtime.projectors["directory"].caught_up(position)
        return RuleView(rule_id=rule.rule_id, **msgspec.structs.asdict(data))

    @delete("/schools/{school_id:str}/rules/{rule_id:str}", summary="Revoke a rule")
    async def revoke(
        self,
        request: AnyRequest,
        commands: DirectoryCommands,
        runtime: Runtime,
        school_id: str,
        rule_id: str,
    ) -> None:
        await _require_school_management(request.user, runtime, school_id)
        position = await _refused_as_problem(
            commands.revoke(school_id, rule_id, _actor(request.user))
        )
        await runtime.projectors["directory"].caught_up(position)

    @post(
        "/schools/{school_id:str}/import",
        status_code=200,
        summary="Import the school from CSV (direction or service; a re-import is idempotent)",
        description=(
            "Body `text/csv`, UTF-8, `;`-separated, at most 50 MB, header "
            "`profil;identifiant;nom;prenom;login;classes;matieres;fonction;enfants`. "
            "Changes are updated, people missing from the file deactivated, nobody duplicated; "
            "bad rows are reported with their line and reason and do not stop the rest."
        ),
    )
    async def import_school(
        self, request: AnyRequest, commands: DirectoryCommands, runtime: Runtime, school_id: str
    ) -> ImportReport:
        await _require_school_management(request.user, runtime, school_id)
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "text/csv":
            raise Problem(415, "unsupported_media_type", "text/csv attendu")
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_IMPORT_BYTES:
            raise Problem(413, "too_large", "Fichier trop volumineux")
        try:
            lines = await decode_lines(request.stream(), MAX_IMPORT_BYTES)
            parsed = await asyncio.to_thread(parse_csv, lines)
        except ImportTooLarge as error:
            raise Problem(413, "too_large", "Fichier trop volumineux", str(error)) from None
        except ImportFileError as error:
            raise Problem(
                400, "invalid_import_file", "Fichier d'import illisible", str(error)
            ) from None
        projector = runtime.projectors["directory"]

        async def refresh() -> None:
            await projector.caught_up(await runtime.storage.events.last_position(), timeout=60)

        importer = SchoolImport(commands, runtime.storage.documents, _actor(request.user), refresh)
        report = await importer.run(school_id, parsed)
        await refresh()  # read-your-writes: the imported users are visible to the next request
        return report

    @get("/internal/accounts/{login:str}", include_in_schema=False)
    async def account(self, request: AnyRequest, runtime: Runtime, login: str) -> Account:
        """Account by login, for the gateway's sign-in (service tokens only)."""
        if not request.user.is_service:
            raise Problem(403, "forbidden", "service token required")
        page = await runtime.storage.documents.find(
            USERS, Query(where={"login": login.lower()}, limit=1)
        )
        if not page.items:
            raise Problem(404, "account_not_found", "Identifiant inconnu")
        result: Account = card(page.items[0], Account)
        return result


_ROLE_LABELS = {
    "students": "Élèves",
    "teachers": "Enseignants",
    "parents": "Parents",
    "members": "Membres",
    "staff": "Personnels",
    "direction": "Direction",
    "vie_scolaire": "Vie scolaire",
    "secretariat": "Secrétariat",
    "family": "Famille",
}


async def audiences(reach: Reachability, runtime: Runtime) -> list[Audience]:
    """The audiences a sender may address as a whole, labelled for the assistant."""
    scopes = {r.recipient_scope for r in reach.rules}
    groups = await runtime.storage.documents.get_many(GROUPS, sorted(scopes))
    found: dict[tuple[str, str], Audience] = {}
    for rule in reach.rules:
        if rule.recipient_role == "family":
            continue
        if rule.recipient_scope == reach.sender.school_id:
            if not reach.may_write_to_audience(rule.recipient_scope, rule.recipient_role):
                continue
            name = "Tout l'établissement"
        elif rule.recipient_scope in groups:
            name = groups[rule.recipient_scope]["name"]
        else:
            continue
        key = (rule.recipient_scope, rule.recipient_role)
        label = f"{_ROLE_LABELS[rule.recipient_role]} — {name}"
        found.setdefault(
            key, Audience(list_kind=rule.list_kind, group_id=key[0], role=key[1], label=label)
        )
    return sorted(found.values(), key=lambda a: (a.list_kind, a.label))


def _actor(identity: Identity) -> Actor:
    return Actor(kind="user", id=identity.user_id)


def _sender(identity: Identity, sender_id: str | None) -> str:
    if identity.is_service:
        if not sender_id:
            raise field_error("sender_id", "required when a service asks")
        return sender_id
    if sender_id not in (None, identity.user_id):
        raise Problem(403, "forbidden", "Vous ne pouvez vérifier que vos propres envois")
    return identity.user_id


async def _reach(identity: Identity, reachability: ReachabilityService) -> Reachability:
    reach = await reachability.for_sender(identity.user_id, today())
    if reach is None:
        raise Problem(403, "forbidden", "Compte inconnu de l'annuaire")
    return reach


async def _visible(
    identity: Identity, reachability: ReachabilityService, user_id: str
) -> dict[str, Any]:
    docs = await reachability.documents([user_id])
    if user_id in docs and (identity.is_service or user_id == identity.user_id):
        return docs[user_id]
    reach = await reachability.for_sender(identity.user_id, today())
    people = await reachability.people([user_id])
    # Absent, and present but not yours to see, answer alike: no enumeration.
    if reach is None or user_id not in people or reach.may_write_to(people[user_id]) is None:
        raise Problem(404, "user_not_found", "Utilisateur introuvable")
    return docs[user_id]


async def _management(identity: Identity, runtime: Runtime) -> dict[str, Any] | None:
    """The caller's user document when they are in their school's management."""
    if identity.is_service:
        return None
    doc = await runtime.storage.documents.get(USERS, identity.user_id)
    if doc is None or doc["profile"] != "staff" or doc.get("function") != "direction":
        raise Problem(403, "forbidden", "Réservé à la direction de l'établissement")
    return doc


async def _require_management(identity: Identity, runtime: Runtime, user_id: str) -> None:
    me = await _management(identity, runtime)
    target = await runtime.storage.documents.get(USERS, user_id)
    if target is None or (me is not None and target["school_id"] != me["school_id"]):
        raise Problem(404, "user_not_found", "Utilisateur introuvable")


async def _require_school_management(identity: Identity, runtime: Runtime, school_id: str) -> None:
    me = await _management(identity, runtime)
    if me is not None and me["school_id"] != school_id:
        raise Problem(403, "forbidden", "Réservé à la direction de l'établissement")


async def _account(runtime: Runtime, user_id: str) -> Account:
    await runtime.projectors["directory"].caught_up(await runtime.storage.events.last_position())
    doc = await runtime.storage.documents.get(USERS, user_id)
    assert doc is not None
    result: Account = card(doc, Account)
    return result


async def _refused_as_problem(command: Any) -> int:
    try:
        return int(await command)
    except DirectoryRefused as refused:
        raise field_error(refused.field, refused.message) from None
