"""The address book (seed 002 §I-6): filled by sending, emptied by its owner. Pure."""

from __future__ import annotations

from ent_contracts import DomainEvent
from ent_contracts.mail import ContactRemoved
from ent_kit.aggregate import Aggregate


def address_book_stream(owner_id: str) -> str:
    return f"contacts:{owner_id}"


class AddressBook(Aggregate):
    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.owner_id = stream_id.removeprefix("contacts:")

    def when(self, event: DomainEvent) -> None:
        return None  # who is in it follows from the sends: the read model knows

    def remove(self, contacts: list[str]) -> None:
        for contact in dict.fromkeys(contacts):
            self.trigger(ContactRemoved(owner_id=self.owner_id, contact=contact))
