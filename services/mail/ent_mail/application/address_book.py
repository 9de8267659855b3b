"""The address book: one's contacts sorted by name, searched from one character anywhere
in the name (accents and case ignored), removed one or a batch at a time, and "write
to" one or several (a prefilled draft)."""

from __future__ import annotations

import msgspec
from ent_contracts.directory_api import GROUP_PREFIX
from ent_kit.auth import Identity
from ent_kit.errors import Refused
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.storage import Document, DocumentReader, Query, find_all

from ent_mail import texts
from ent_mail.application.drafts import DraftCommands
from ent_mail.application.forms import DraftSavedReceipt, MessageForm, SelectionResult
from ent_mail.application.mailbox_projection import search_key
from ent_mail.application.projections import GROUPS, PEOPLE
from ent_mail.application.sender_projection import CONTACTS, contact_id
from ent_mail.domain.address_book import AddressBook, address_book_stream

MAX_CONTACTS_LISTED = 1000


class Contact(msgspec.Struct, frozen=True, kw_only=True):
    contact: str  # a user id, or an audience `group:<id>:<role>`
    name: str
    kind: str  # "user" or "group"


class ContactList(msgspec.Struct, frozen=True):
    items: list[Contact]


class AddressBookService:
    def __init__(
        self,
        reader: DocumentReader,
        books: Repository[AddressBook],
        drafts: DraftCommands,
        projector: LocalProjector,
    ) -> None:
        self._reader = reader
        self._books = books
        self._drafts = drafts
        self._projector = projector

    async def contacts(self, me: Identity, q: str | None = None) -> ContactList:
        if q is not None and not q.strip():
            raise Refused("q", "missing", texts.CONTACT_QUERY_REQUIRED)
        query = Query(where={"owner_id": me.user_id}, limit=MAX_CONTACTS_LISTED)
        docs = [d async for d in find_all(self._reader, CONTACTS, query)]
        named = await self._named([d["contact"] for d in docs])
        wanted = search_key(q.strip()) if q else None
        found = [c for c in named if wanted is None or wanted in search_key(c.name)]
        return ContactList(sorted(found, key=lambda c: (search_key(c.name), c.contact)))

    async def remove(self, me: Identity, contacts: list[str]) -> SelectionResult:
        keys = [contact_id(me.user_id, c) for c in dict.fromkeys(contacts)]
        present = await self._reader.existing(CONTACTS, keys)
        done = [c for c in dict.fromkeys(contacts) if contact_id(me.user_id, c) in present]
        if done:
            saved = await self._books.update(
                address_book_stream(me.user_id), lambda b: b.remove(done), me.actor, create=True
            )
            await self._projector.caught_up(saved.position)
        return SelectionResult(done=done, not_found=[c for c in contacts if c not in done])

    async def write_to(self, me: Identity, contacts: list[str]) -> DraftSavedReceipt:
        return await self._drafts.create(me, MessageForm(to=contacts))

    async def _named(self, contacts: list[str]) -> list[Contact]:
        users = [c for c in contacts if not c.startswith(GROUP_PREFIX)]
        groups = {c: c.split(":") for c in contacts if c.startswith(GROUP_PREFIX)}
        people = await self._reader.get_many(PEOPLE, users)
        group_docs = await self._reader.get_many(GROUPS, [parts[1] for parts in groups.values()])
        named = [Contact(contact=u, name=_person(people.get(u)), kind="user") for u in users]
        for entry, (_, group_id, role) in groups.items():
            name = texts.AUDIENCE_NAME.format(
                role=texts.ROLE_NAMES.get(role, role), group=_group(group_docs.get(group_id))
            )
            named.append(Contact(contact=entry, name=name, kind="group"))
        return named


def _person(doc: Document | None) -> str:
    return str(doc["display_name"]) if doc else texts.UNKNOWN_SENDER


def _group(doc: Document | None) -> str:
    return str(doc["name"]) if doc else texts.UNKNOWN_GROUP
