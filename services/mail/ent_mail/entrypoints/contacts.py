"""Messagerie HTTP API, the address book (seed 002 §I-6)."""

from __future__ import annotations

import msgspec
from ent_kit.controllers import AnyRequest
from litestar import Controller, get, post

from ent_mail.application.address_book import AddressBookService, ContactList
from ent_mail.application.forms import DraftSavedReceipt, SelectionResult


class Contacts(msgspec.Struct, frozen=True, kw_only=True):
    contacts: list[str]


class AddressBookController(Controller):
    path = "/mail/contacts"
    tags = ["mail"]

    @get(summary="My contacts by name; `q` searches from one character anywhere in the name")
    async def contacts(
        self, request: AnyRequest, address_book: AddressBookService, q: str | None = None
    ) -> ContactList:
        return await address_book.contacts(request.user, q)

    @post("/remove", status_code=200, summary="Remove one or several contacts")
    async def remove(
        self, request: AnyRequest, data: Contacts, address_book: AddressBookService
    ) -> SelectionResult:
        return await address_book.remove(request.user, data.contacts)

    @post("/write", status_code=201, summary="Write to these contacts: a prefilled draft")
    async def write_to(
        self, request: AnyRequest, data: Contacts, address_book: AddressBookService
    ) -> DraftSavedReceipt:
        return await address_book.write_to(request.user, data.contacts)
