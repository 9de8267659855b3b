"""The Messagerie's notifications, kept from the directory's and the locker's events as the
service receives them (KafkaProjection), then read as a user's page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from ent_contracts import DomainEvent
from ent_contracts.directory import UserUpdated
from ent_contracts.locker import DocumentDeposited
from ent_kit.auth import Identity
from ent_kit.kafka_projection import KafkaProjection
from ent_kit.storage import InvalidCursor, Storage
from ent_mail.application.projections import NotificationsProjection, PeopleProjection
from ent_mail.application.queries import NotificationsQueries
from kit_fixtures import envelope, storage, user_registered

__all__ = ["storage"]

SENDER, RECIPIENT = "teacher-1", "student-1"


def deposited(document_id: str, file_name: str = "devoir.pdf") -> DocumentDeposited:
    return DocumentDeposited(
        document_id=document_id,
        sender_id=SENDER,
        recipient_ids=[RECIPIENT],
        file_name=file_name,
        media_type="application/pdf",
        size=1234,
        sha256="0" * 64,
        blob_key=f"blobs/{document_id}",
        deposited_at=datetime.now(UTC),
    )


class Mail:
    """The mail service's two subscriptions, fed one event at a time, in order."""

    def __init__(self, storage: Storage) -> None:
        self.people = KafkaProjection(storage, PeopleProjection())
        self.notifications = KafkaProjection(storage, NotificationsProjection())
        self.queries = NotificationsQueries(storage.documents)
        self._versions: dict[str, int] = {}

    async def receive(self, event: DomainEvent, stream_id: str) -> None:
        version = self._versions[stream_id] = self._versions.get(stream_id, 0) + 1
        target = self.notifications if isinstance(event, DocumentDeposited) else self.people
        assert await target.handle([envelope(event, stream_id, version)]) == 1

    async def texts(self, user_id: str = RECIPIENT) -> list[str]:
        page = await self.queries.page(Identity(user_id=user_id, profile="student"), None, 50)
        return [n.text for n in page.items]


def renamed(user_id: str, first_name: str, last_name: str, **rest: Any) -> UserUpdated:
    return UserUpdated(user_id=user_id, first_name=first_name, last_name=last_name, **rest)


async def test_a_notification_names_the_sender_as_registered(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.receive(user_registered(SENDER, first_name="Marie", last_name="Curie"), SENDER)
    await mail.receive(deposited("doc-1"), "doc-1")

    assert await mail.texts() == [
        "Nouveau document dans votre casier : « devoir.pdf », déposé par Marie Curie."
    ]


async def test_a_renamed_sender_is_named_anew_in_later_notifications(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.receive(user_registered(SENDER, first_name="Marie", last_name="Curie"), SENDER)
    await mail.receive(deposited("doc-1", "avant.pdf"), "doc-1")
    await mail.receive(renamed(SENDER, "Marie", "Skłodowska-Curie"), SENDER)
    await mail.receive(deposited("doc-2", "apres.pdf"), "doc-2")

    assert await mail.texts() == [
        "Nouveau document dans votre casier : « apres.pdf », déposé par Marie Skłodowska-Curie.",
        "Nouveau document dans votre casier : « avant.pdf », déposé par Marie Curie.",
    ]


async def test_an_unknown_sender_is_named_generically(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.receive(deposited("doc-1"), "doc-1")

    assert await mail.texts() == [
        "Nouveau document dans votre casier : « devoir.pdf », déposé par un utilisateur."
    ]


async def test_notifications_are_paged_newest_first_and_only_mine(storage: Storage) -> None:
    mail = Mail(storage)
    for i in range(1, 4):
        await mail.receive(deposited(f"doc-{i}", f"f{i}.pdf"), f"doc-{i}")
    me = Identity(user_id=RECIPIENT, profile="student")

    first = await mail.queries.page(me, None, 2)
    second = await mail.queries.page(me, first.next_cursor, 2)

    assert [n.document_id for n in first.items] == ["doc-3", "doc-2"]
    assert [n.document_id for n in second.items] == ["doc-1"]
    assert second.next_cursor is None
    assert all(n.kind == "locker.document_received" and not n.read for n in first.items)
    assert await mail.texts(user_id=SENDER) == []


async def test_a_malformed_cursor_is_an_invalid_cursor(storage: Storage) -> None:
    queries = NotificationsQueries(storage.documents)
    me = Identity(user_id=RECIPIENT, profile="student")

    with pytest.raises(InvalidCursor):
        await queries.page(me, "not-a-cursor", 10)
