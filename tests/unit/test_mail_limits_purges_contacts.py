"""Send limits (429, SendLimitReached, nothing delivered), automatic purges (each recorded
as events), and the address book."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ent_contracts.directory import GroupCreated
from ent_kit.errors import Refused, TooMany
from ent_kit.storage import Query, Storage
from ent_mail.application.forms import MessageForm
from ent_mail.application.mailbox_projection import COPIES, DRAFTS_COLLECTION, copy_id
from ent_mail.application.projections import PeopleProjection
from ent_mail.application.sender_projection import SEND_HISTORY
from ent_mail.domain.limits import Limits, exceeded
from kit_fixtures import envelope, storage, user_registered
from mail_fixtures import CLASS_PARENTS, CPE, PARENT, TEACHER, Mail, mail

__all__ = ["mail", "storage"]

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


# --- limits -----------------------------------------------------------------------------


def test_the_hourly_limit_says_when_the_oldest_send_leaves_the_window() -> None:
    limits = Limits(messages_per_hour=3, recipients_per_day=100)
    sent = [T0, T0 + timedelta(minutes=10), T0 + timedelta(minutes=20)]
    over = exceeded(limits, sent, {}, ["a"], T0 + timedelta(minutes=30))
    assert over is not None
    assert (over.limit, over.allowed, over.attempted) == ("messages_per_hour", 3, 4)
    assert over.retry_after_s == 30 * 60
    assert exceeded(limits, sent, {}, ["a"], T0 + timedelta(minutes=61)) is None


def test_the_daily_limit_counts_distinct_people() -> None:
    limits = Limits(messages_per_hour=100, recipients_per_day=3)
    earlier = {"a": T0, "b": T0}
    assert exceeded(limits, [T0], earlier, ["a", "b", "c"], T0 + timedelta(hours=1)) is None
    over = exceeded(limits, [T0], earlier, ["c", "d"], T0 + timedelta(hours=1))
    assert over is not None
    assert (over.limit, over.attempted) == ("recipients_per_day", 4)
    assert over.retry_after_s == 23 * 3600


async def test_over_the_limit_answers_429_records_it_and_delivers_nothing(mail: Mail) -> None:
    for n in range(20):  # LIMITS: 20 messages per hour
        await mail.send(subject=f"Message {n}")
    copies_before = len((await mail.storage.documents.find(COPIES, Query(limit=1000))).items)

    with pytest.raises(TooMany) as limited:
        await mail.send(subject="Un de trop")

    assert limited.value.reason == "send_limit_reached"
    assert 3000 < limited.value.retry_after_s <= 3600
    after = (await mail.storage.documents.find(COPIES, Query(limit=1000))).items
    assert len(after) == copies_before
    events = [e.envelope for e in await mail.storage.events.read_all(limit=1000)]
    reached = [e for e in events if e.type == "mail.SendLimitReached"]
    assert len(reached) == 1
    assert reached[0].payload["sender_id"] == TEACHER.user_id
    assert reached[0].payload["limit"] == "messages_per_hour"


async def test_direction_has_the_higher_limits(mail: Mail, storage: Storage) -> None:
    await _register(storage, "teacher-1", function="direction")
    mail.directory.audiences["group:school:members"] = [f"p-{i}" for i in range(60)]
    await mail.send(to=["group:school:members"])  # 60 people: over 50, under 500
    history = await storage.documents.get(SEND_HISTORY, TEACHER.user_id)
    assert history is not None
    assert len(history["recipients"]) == 60


async def test_too_many_distinct_recipients_in_a_day(mail: Mail) -> None:
    mail.directory.audiences["group:school:members"] = [f"p-{i}" for i in range(45)]
    await mail.send(to=["group:school:members"])
    with pytest.raises(TooMany) as limited:
        await mail.send(to=[f"q-{i}" for i in range(6)])
    assert "personnes différentes" in limited.value.message


# --- purges -----------------------------------------------------------------------------


async def test_purges_take_old_trash_old_inbox_and_idle_drafts_only(mail: Mail) -> None:
    old = await mail.send(subject="Ancien")
    trashed = await mail.send(subject="À la corbeille")
    archived = await mail.send(subject="Archivé")
    await mail.mailbox.trash(PARENT, [trashed])
    from ent_mail.application.forms import MoveForm

    await mail.mailbox.move(PARENT, MoveForm(message_ids=[archived], folder_id="archive"))
    draft = await mail.drafts.create(TEACHER, MessageForm(subject="Brouillon"))

    nothing = await mail.purges.run(
        trash=timedelta(days=30), inbox=timedelta(days=90), drafts=timedelta(days=7)
    )
    assert nothing == {"trash": 0, "inbox": 0, "drafts": 0}

    everything = await mail.purges.run(trash=timedelta(0), inbox=timedelta(0), drafts=timedelta(0))
    assert everything == {"trash": 1, "inbox": 1, "drafts": 1}
    docs = mail.storage.documents
    assert await docs.get(COPIES, copy_id(old, PARENT.user_id, "inbox")) is None
    assert await docs.get(COPIES, copy_id(trashed, PARENT.user_id, "inbox")) is None
    assert await docs.get(COPIES, copy_id(archived, PARENT.user_id, "inbox")) is not None
    assert await docs.get(COPIES, copy_id(old, TEACHER.user_id, "sent")) is not None  # Envoyés
    assert await docs.get(DRAFTS_COLLECTION, draft.draft_id) is None
    types = [e.envelope.type for e in await mail.storage.events.read_all(limit=1000)]
    assert types.count("mail.MessagesPurged") == 2
    assert "mail.DraftDiscarded" in types


# --- address book -----------------------------------------------------------------------


async def _register(storage: Storage, user_id: str, **fields: object) -> None:
    people = PeopleProjection()
    async with storage.documents.transaction() as tx:
        event = user_registered(user_id, **fields)
        await people.apply(tx, envelope(event, user_id, 1), event)


async def test_the_address_book_fills_by_sending_and_finds_from_one_character(
    mail: Mail, storage: Storage
) -> None:
    await _register(storage, "parent-1", first_name="Élodie", last_name="Bernard")
    await _register(storage, "cpe-1", first_name="Marc", last_name="Zidane")
    async with storage.documents.transaction() as tx:
        group = GroupCreated(group_id="class-6a", school_id="s", kind="class", name="6A")
        await PeopleProjection().apply(tx, envelope(group, "class-6a", 1), group)
    await mail.send(to=["parent-1", CLASS_PARENTS], cc=["cpe-1"])

    book = await mail.address_book.contacts(TEACHER)
    assert [c.name for c in book.items] == ["Élodie Bernard", "Marc Zidane", "Parents — 6A"]
    assert [c.kind for c in book.items] == ["user", "user", "group"]
    assert [c.contact for c in (await mail.address_book.contacts(TEACHER, "e")).items] == [
        "parent-1",
        "cpe-1",
        CLASS_PARENTS,
    ]
    assert [c.name for c in (await mail.address_book.contacts(TEACHER, "elo")).items] == [
        "Élodie Bernard"
    ]
    with pytest.raises(Refused):
        await mail.address_book.contacts(TEACHER, "  ")
    assert (await mail.address_book.contacts(PARENT)).items == []  # only one's own

    removed = await mail.address_book.remove(TEACHER, ["cpe-1", "nobody"])
    assert (removed.done, removed.not_found) == (["cpe-1"], ["nobody"])
    assert [c.contact for c in (await mail.address_book.contacts(TEACHER)).items] == [
        "parent-1",
        CLASS_PARENTS,
    ]

    draft = await mail.address_book.write_to(TEACHER, ["parent-1", CLASS_PARENTS])
    saved = await storage.documents.get(DRAFTS_COLLECTION, draft.draft_id)
    assert saved is not None
    assert saved["to"] == ["parent-1", CLASS_PARENTS]
    assert CPE.user_id not in saved["to"]
