"""The Messagerie's read side on a real SQLite store: the mailbox read model kept from mail
events (applied as the local projector would, one event per transaction), then read as each
user sees it: folders and their counts, listings, a message, a conversation, drafts, search.
No HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ent_contracts import DomainEvent, topics
from ent_contracts.mail import (
    AttachmentRef,
    DraftDiscarded,
    DraftSaved,
    FolderCreated,
    MessageKind,
    MessagesCategorized,
    MessageSent,
    MessagesMoved,
    MessagesPurged,
    MessagesRead,
    MessagesTrashed,
    MessagesUnread,
)
from ent_kit.auth import Identity
from ent_kit.errors import NotFound, Refused
from ent_kit.storage import Storage
from ent_mail import texts
from ent_mail.application.mailbox_projection import MailboxProjection
from ent_mail.application.projections import PeopleProjection
from ent_mail.application.queries import QUARANTINED, MailQueries
from ent_mail.application.views import CopyPage, FolderView
from kit_fixtures import envelope, storage, user_registered

__all__ = ["storage"]

TEACHER = Identity(user_id="teacher-1", profile="teacher")
PARENT = Identity(user_id="parent-1", profile="relative")
STUDENT = Identity(user_id="student-1", profile="student")
OTHER = Identity(user_id="student-2", profile="student")
START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)  # whole seconds: stored times compare as text


class Mail:
    """The mailbox read model fed one event at a time (each in its own transaction, as the
    projector commits them), and the queries reading it."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.queries = MailQueries(storage.documents)
        self._mailbox = MailboxProjection()
        self._people = PeopleProjection()
        self._versions: dict[str, int] = {}
        self._sent = 0

    async def apply(self, event: DomainEvent, stream_id: str) -> None:
        version = self._versions[stream_id] = self._versions.get(stream_id, 0) + 1
        projection = self._mailbox if event.topic == topics.MAIL else self._people
        async with self.storage.documents.transaction() as tx:
            await projection.apply(tx, envelope(event, stream_id, version), event)

    async def person(self, user_id: str, first_name: str, last_name: str) -> None:
        await self.apply(
            user_registered(user_id, first_name=first_name, last_name=last_name), user_id
        )

    async def send(
        self,
        message_id: str,
        *,
        sender: Identity = TEACHER,
        to: tuple[Identity, ...] = (STUDENT,),
        cc: tuple[Identity, ...] = (),
        bcc: tuple[Identity, ...] = (),
        conversation_id: str | None = None,
        subject: str = "Sortie au musée",
        kind: MessageKind = "information",
        attachments: tuple[AttachmentRef, ...] = (),
        sent_at: datetime | None = None,
    ) -> MessageSent:
        """A message sent a minute after the previous one, unless `sent_at` says when."""
        self._sent += 1
        conversation_id = conversation_id or f"c-{message_id}"
        event = MessageSent(
            conversation_id=conversation_id,
            message_id=message_id,
            sender_id=sender.user_id,
            to=[u.user_id for u in to],
            cc=[u.user_id for u in cc],
            bcc=[u.user_id for u in bcc],
            reply_mode="all",
            kind=kind,
            subject=subject,
            body_html=f"<p>Bonjour ({message_id})</p>",
            body_text=f"Bonjour ({message_id})",
            attachments=list(attachments),
            sent_at=sent_at or START + timedelta(minutes=self._sent),
        )
        await self.apply(event, f"conversation:{conversation_id}")
        return event

    async def mailbox(self, event: DomainEvent, user: Identity) -> None:
        await self.apply(event, f"mailbox:{user.user_id}")

    async def folder(self, me: Identity, folder_id: str) -> FolderView:
        listed = {f.folder_id: f for f in (await self.queries.folders(me)).folders}
        return listed[folder_id]

    async def counts(self, me: Identity, folder_id: str) -> tuple[int, int]:
        folder = await self.folder(me, folder_id)
        return folder.total, folder.unread

    async def listed(self, me: Identity, folder: str, **filters: object) -> list[str]:
        page = await self.queries.folder_page(me, folder, None, 200, **filters)  # type: ignore[arg-type]
        return [c.message_id for c in page.items]


def attachment(name: str, sha: str) -> AttachmentRef:
    return AttachmentRef(
        attachment_id=f"a-{name}", name=name, media_type="application/pdf", size=10, sha256=sha
    )


def draft_saved(draft_id: str, owner: Identity, subject: str, minute: int) -> DraftSaved:
    return DraftSaved(
        draft_id=draft_id,
        owner_id=owner.user_id,
        to=["student-1", "group:class-6a:relative"],
        reply_mode="sender_only",
        subject=subject,
        body_html="<p>…</p>",
        body_text="…",
        saved_at=START + timedelta(minutes=minute),
    )


# --- folders and counts -----------------------------------------------------------------


async def test_a_send_to_three_makes_one_unread_in_each_inbox_and_one_in_sent(
    storage: Storage,
) -> None:
    mail = Mail(storage)
    await mail.send("m1", to=(STUDENT, OTHER), cc=(PARENT,))

    for reader in (STUDENT, OTHER, PARENT):
        assert await mail.counts(reader, "inbox") == (1, 1)
        assert (await mail.queries.unread(reader)).unread == 1
    assert await mail.counts(TEACHER, "sent") == (1, 0)
    assert await mail.counts(TEACHER, "inbox") == (0, 0)
    assert (await mail.queries.unread(TEACHER)).unread == 0
    assert await mail.listed(TEACHER, "sent") == ["m1"]


async def test_the_folder_list_starts_with_the_system_folders_then_mine_as_a_tree(
    storage: Storage,
) -> None:
    mail = Mail(storage)
    user = STUDENT.user_id
    await mail.mailbox(
        FolderCreated(user_id=user, folder_id="f-b", name="Sport", position=1), STUDENT
    )
    await mail.mailbox(
        FolderCreated(user_id=user, folder_id="f-a", name="Maths", position=0), STUDENT
    )
    await mail.mailbox(
        FolderCreated(user_id=user, folder_id="f-a1", name="DS", parent_id="f-a", position=0),
        STUDENT,
    )
    await mail.mailbox(
        FolderCreated(user_id=OTHER.user_id, folder_id="f-x", name="Autre", position=0), OTHER
    )

    folders = (await mail.queries.folders(STUDENT)).folders

    assert [(f.folder_id, f.name, f.system) for f in folders] == [
        ("inbox", "Reçus", True),
        ("sent", "Envoyés", True),
        ("drafts", "Brouillons", True),
        ("trash", "Corbeille", True),
        ("archive", "Archives", True),
        ("f-a", "Maths", False),
        ("f-a1", "DS", False),
        ("f-b", "Sport", False),
    ]
    assert folders[6].parent_id == "f-a"


async def test_reading_and_unreading_change_the_unread_count_once(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.send("m1")
    await mail.send("m2")

    await mail.mailbox(MessagesRead(user_id=STUDENT.user_id, message_ids=["m1"]), STUDENT)
    await mail.mailbox(MessagesRead(user_id=STUDENT.user_id, message_ids=["m1"]), STUDENT)
    assert await mail.counts(STUDENT, "inbox") == (2, 1)
    assert (await mail.queries.message(STUDENT, "m1")).read

    await mail.mailbox(MessagesUnread(user_id=STUDENT.user_id, message_ids=["m1", "m2"]), STUDENT)
    assert await mail.counts(STUDENT, "inbox") == (2, 2)


async def test_a_message_moved_to_my_folder_and_back(storage: Storage) -> None:
    mail = Mail(storage)
    me = STUDENT.user_id
    await mail.mailbox(
        FolderCreated(user_id=me, folder_id="f-1", name="Sorties", position=0), STUDENT
    )
    await mail.send("m1")
    await mail.send("m2")

    await mail.mailbox(MessagesMoved(user_id=me, message_ids=["m1"], folder_id="f-1"), STUDENT)
    assert await mail.counts(STUDENT, "inbox") == (1, 1)
    assert await mail.counts(STUDENT, "f-1") == (1, 1)
    assert await mail.listed(STUDENT, "f-1") == ["m1"]
    assert await mail.listed(STUDENT, "inbox") == ["m2"]

    await mail.mailbox(MessagesMoved(user_id=me, message_ids=["m1"], folder_id="inbox"), STUDENT)
    assert await mail.counts(STUDENT, "f-1") == (0, 0)
    assert await mail.listed(STUDENT, "inbox") == ["m2", "m1"]


async def test_a_new_message_brings_a_trashed_conversation_back_to_the_inbox(
    storage: Storage,
) -> None:
    mail = Mail(storage)
    await mail.send("m1", conversation_id="c-1")
    await mail.send("other", conversation_id="c-2")
    trashed = MessagesTrashed(
        user_id=STUDENT.user_id, message_ids=["m1", "other"], trashed_at=START
    )
    await mail.mailbox(trashed, STUDENT)
    assert await mail.counts(STUDENT, "trash") == (2, 2)
    assert await mail.listed(STUDENT, "inbox") == []

    await mail.send("m2", conversation_id="c-1", sender=PARENT, to=(STUDENT,))

    assert await mail.listed(STUDENT, "inbox") == ["m2", "m1"]
    assert await mail.listed(STUDENT, "trash") == ["other"]  # another conversation stays
    assert await mail.counts(STUDENT, "inbox") == (2, 2)
    assert await mail.counts(STUDENT, "trash") == (1, 1)


async def test_a_purged_copy_is_gone_and_no_longer_counted(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.send("m1", to=(STUDENT, OTHER))
    me = STUDENT.user_id
    await mail.mailbox(MessagesTrashed(user_id=me, message_ids=["m1"], trashed_at=START), STUDENT)

    await mail.mailbox(MessagesPurged(user_id=me, message_ids=["m1"], reason="deleted"), STUDENT)

    assert await mail.counts(STUDENT, "trash") == (0, 0)
    assert await mail.listed(STUDENT, "trash") == []
    with pytest.raises(NotFound):
        await mail.queries.message(STUDENT, "m1")
    with pytest.raises(NotFound):
        await mail.queries.conversation(STUDENT, "c-m1")
    assert (await mail.queries.message(OTHER, "m1")).subject == "Sortie au musée"


# --- listings ---------------------------------------------------------------------------


async def test_120_messages_are_paged_newest_first_each_exactly_once(storage: Storage) -> None:
    mail = Mail(storage)
    for i in range(120):
        # Pairs share their second: the id breaks the tie, and no cursor skips one.
        await mail.send(f"m{i:03}", sent_at=START + timedelta(seconds=i // 2))

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await mail.queries.folder_page(STUDENT, "inbox", cursor, 50)
        seen += [c.message_id for c in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break

    assert pages == 3
    assert sorted(seen) == sorted(f"m{i:03}" for i in range(120))
    assert len(set(seen)) == 120
    times = [c.sent_at for c in (await mail.queries.folder_page(STUDENT, "inbox", None, 200)).items]
    assert times == sorted(times, reverse=True)


async def test_unread_only_kind_and_category_filter_a_folder(storage: Storage) -> None:
    mail = Mail(storage)
    me = STUDENT.user_id
    await mail.send("info")
    await mail.send("talk", kind="discussion")
    await mail.send("news", kind="institutional")
    await mail.mailbox(MessagesRead(user_id=me, message_ids=["talk"]), STUDENT)
    await mail.mailbox(
        MessagesCategorized(user_id=me, message_ids=["info", "talk"], category="Parents"), STUDENT
    )

    assert await mail.listed(STUDENT, "inbox", unread_only=True) == ["news", "info"]
    assert await mail.listed(STUDENT, "inbox", kind="discussion") == ["talk"]
    assert await mail.listed(STUDENT, "inbox", category="Parents") == ["talk", "info"]
    assert await mail.listed(STUDENT, "inbox", category="Parents", unread_only=True) == ["info"]
    page = await mail.queries.folder_page(STUDENT, "inbox", None, 10, category="Parents")
    assert {c.category for c in page.items} == {"Parents"}


async def test_an_unknown_or_someone_elses_folder_is_not_found(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.mailbox(
        FolderCreated(user_id=OTHER.user_id, folder_id="f-x", name="Perso", position=0), OTHER
    )

    for folder in ("f-x", "nope"):
        with pytest.raises(NotFound) as raised:
            await mail.queries.folder_page(STUDENT, folder, None, 10)
        assert raised.value.field == "folder_id"
        assert raised.value.reason == "folder_not_found"
    assert await mail.listed(OTHER, "f-x") == []


async def test_the_latest_received_for_the_home_page(storage: Storage) -> None:
    mail = Mail(storage)
    for i in range(7):
        await mail.send(f"m{i}")
    await mail.send("mine", sender=STUDENT, to=(OTHER,))

    latest = await mail.queries.latest(STUDENT, 5)

    assert [c.message_id for c in latest] == ["m6", "m5", "m4", "m3", "m2"]


async def test_summaries_name_the_sender_now_or_as_unknown(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.person(TEACHER.user_id, "Marie", "Curie")
    await mail.send("m1")
    await mail.send("m2", sender=PARENT)

    page = await mail.queries.folder_page(STUDENT, "inbox", None, 10)

    assert [(c.message_id, c.sender_name) for c in page.items] == [
        ("m2", texts.UNKNOWN_SENDER),
        ("m1", "Marie Curie"),
    ]
    assert page.items[1].preview == "Bonjour (m1)"
    assert not page.items[1].read
    assert page.items[1].folder == "inbox"


# --- a message ----------------------------------------------------------------------------


async def test_blind_copies_are_shown_to_the_sender_only(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.person(TEACHER.user_id, "Marie", "Curie")
    await mail.person(STUDENT.user_id, "Léa", "Martin")
    await mail.send("m1", to=(STUDENT,), cc=(OTHER,), bcc=(PARENT,))

    as_sender = await mail.queries.message(TEACHER, "m1")
    as_student = await mail.queries.message(STUDENT, "m1")
    as_blind = await mail.queries.message(PARENT, "m1")

    assert [p.user_id for p in as_sender.bcc] == [PARENT.user_id]
    assert as_student.bcc == []
    assert as_blind.bcc == []
    assert as_student.sender.display_name == "Marie Curie"
    assert [(p.user_id, p.display_name) for p in as_student.to] == [("student-1", "Léa Martin")]
    assert [p.display_name for p in as_student.cc] == [texts.UNKNOWN_SENDER]
    assert as_sender.folder == "sent"
    assert as_student.folder == "inbox"
    participants = (await mail.queries.conversation(STUDENT, "c-m1")).participants
    assert PARENT.user_id not in {p.user_id for p in participants}


async def test_someone_elses_message_and_an_unknown_one_answer_alike(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.send("m1", to=(STUDENT,))

    errors = []
    for message_id in ("m1", "nope"):
        with pytest.raises(NotFound) as raised:
            await mail.queries.message(OTHER, message_id)
        errors.append((raised.value.field, raised.value.reason, str(raised.value)))

    assert errors[0] == errors[1]
    assert errors[0][:2] == ("message_id", "message_not_found")


async def test_previous_and_next_follow_the_folder_newest_first(storage: Storage) -> None:
    mail = Mail(storage)
    for message_id in ("old", "tie-a", "new"):
        await mail.send(message_id)
    # Sent in the same second as "tie-a": the id breaks the tie, as in the listing.
    await mail.send("tie-b", sent_at=START + timedelta(minutes=2))
    await mail.send("elsewhere", to=(OTHER,))
    listing = await mail.listed(STUDENT, "inbox")
    assert listing == ["new", "tie-b", "tie-a", "old"]

    neighbours = []
    for message_id in listing:
        view = await mail.queries.message(STUDENT, message_id)
        neighbours.append((view.previous_id, view.next_id))

    assert neighbours == [
        (None, "tie-b"),
        ("new", "tie-a"),
        ("tie-b", "old"),
        ("tie-a", None),
    ]


async def test_a_message_written_to_oneself_opens_from_either_folder(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.send("before", sender=TEACHER, to=(TEACHER,))
    await mail.send("self", sender=TEACHER, to=(TEACHER,))
    await mail.send("after", sender=TEACHER, to=(TEACHER,))
    # Both copies of each land in Archives: navigation never stops on the twin.
    await mail.mailbox(
        MessagesMoved(user_id=TEACHER.user_id, message_ids=["self", "after"], folder_id="archive"),
        TEACHER,
    )

    received = await mail.queries.message(TEACHER, "before")
    sent = await mail.queries.message(TEACHER, "before", in_folder="sent")
    archived = await mail.queries.message(TEACHER, "self")

    assert (received.folder, sent.folder) == ("inbox", "sent")
    assert (archived.previous_id, archived.next_id) == ("after", None)
    conversation = await mail.queries.conversation(TEACHER, "c-self")
    assert [m.message_id for m in conversation.messages] == ["self"]


async def test_a_quarantined_attachment_is_listed_as_removed(storage: Storage) -> None:
    mail = Mail(storage)
    clean, infected = "a" * 64, "b" * 64
    await mail.send(
        "m1", attachments=(attachment("cours.pdf", clean), attachment("x.pdf", infected))
    )
    async with storage.documents.transaction() as tx:
        await tx.put(QUARANTINED, infected, {"signature": "Eicar-Test-Signature"})

    view = await mail.queries.message(STUDENT, "m1")

    assert [(a.name, a.removed) for a in view.attachments] == [
        ("cours.pdf", False),
        (texts.ATTACHMENT_REMOVED, True),
    ]
    assert (await mail.queries.folder_page(STUDENT, "inbox", None, 1)).items[0].has_attachments


# --- a conversation -----------------------------------------------------------------------


async def test_a_conversation_shows_only_the_messages_the_reader_holds(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.send("m1", conversation_id="c-1", to=(STUDENT,))
    await mail.send("m2", conversation_id="c-1", to=(OTHER,))
    await mail.send("m3", conversation_id="c-1", sender=STUDENT, to=(TEACHER,))

    student = await mail.queries.conversation(STUDENT, "c-1")
    teacher = await mail.queries.conversation(TEACHER, "c-1")
    other = await mail.queries.conversation(OTHER, "c-1")

    assert [m.message_id for m in student.messages] == ["m1", "m3"]
    assert [m.message_id for m in teacher.messages] == ["m1", "m2", "m3"]
    assert [m.message_id for m in other.messages] == ["m2"]
    assert [p.user_id for p in other.participants] == [TEACHER.user_id, OTHER.user_id]
    with pytest.raises(NotFound):
        await mail.queries.conversation(PARENT, "c-1")


# --- drafts -------------------------------------------------------------------------------


async def test_drafts_are_listed_and_read_by_their_owner_only(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.apply(draft_saved("d1", TEACHER, "Premier jet", 1), "draft:d1")
    await mail.apply(draft_saved("d2", TEACHER, "Autre", 2), "draft:d2")
    await mail.apply(draft_saved("d1", TEACHER, "Premier jet, revu", 3), "draft:d1")
    await mail.apply(draft_saved("d3", TEACHER, "Abandonné", 4), "draft:d3")
    await mail.apply(
        DraftDiscarded(draft_id="d3", owner_id=TEACHER.user_id, reason="discarded"), "draft:d3"
    )

    page = await mail.queries.drafts(TEACHER, None, 10)
    draft = await mail.queries.draft(TEACHER, "d1")

    assert [(d.draft_id, d.version) for d in page.items] == [("d1", 2), ("d2", 1)]
    assert draft.subject == "Premier jet, revu"
    assert draft.to == ["student-1", "group:class-6a:relative"]
    assert await mail.counts(TEACHER, "drafts") == (2, 0)
    assert (await mail.queries.drafts(STUDENT, None, 10)).items == []
    for reader, draft_id in ((STUDENT, "d1"), (TEACHER, "d3"), (TEACHER, "nope")):
        with pytest.raises(NotFound) as raised:
            await mail.queries.draft(reader, draft_id)
        assert raised.value.reason == "draft_not_found"


# --- search -------------------------------------------------------------------------------


async def search_all(mail: Mail, me: Identity, q: str, limit: int) -> list[CopyPage]:
    pages, cursor = [], None
    while True:
        page = await mail.queries.search(me, q, cursor, limit)
        pages.append(page)
        if (cursor := page.next_cursor) is None:
            return pages


async def test_search_ignores_case_and_accents_and_skips_the_trash(storage: Storage) -> None:
    mail = Mail(storage)
    await mail.send("meeting", subject="Réunion des élèves")
    await mail.send("other", subject="Sortie au musée")
    await mail.send("shout", subject="ÉLÈVE absent")
    await mail.send("binned", subject="Élève en retard")
    await mail.send("sent", sender=STUDENT, to=(OTHER,), subject="Question d'eleve")
    await mail.send("not-mine", to=(OTHER,), subject="Élève")
    me = STUDENT.user_id
    await mail.mailbox(
        MessagesTrashed(user_id=me, message_ids=["binned"], trashed_at=START), STUDENT
    )

    page = await mail.queries.search(STUDENT, "  eleve ", None, 50)

    assert [c.message_id for c in page.items] == ["sent", "shout", "meeting"]
    assert page.next_cursor is None
    assert [
        c.message_id for c in (await mail.queries.search(STUDENT, "MUSÉE", None, 50)).items
    ] == ["other"]


async def test_search_pages_resume_right_after_the_last_match(storage: Storage) -> None:
    mail = Mail(storage)
    for i in range(7):
        await mail.send(f"m{i}", subject="Devoirs" if i % 2 == 0 else "Autre chose")

    pages = await search_all(mail, STUDENT, "devoirs", 2)

    assert [[c.message_id for c in p.items] for p in pages] == [["m6", "m4"], ["m2", "m0"]]


async def test_search_reads_a_bounded_number_of_copies_per_request(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ent_mail.application import queries

    monkeypatch.setattr(queries, "SEARCH_BATCH", 3)
    monkeypatch.setattr(queries, "SEARCH_SCAN_BUDGET", 6)
    mail = Mail(storage)
    await mail.send("match-old", subject="Cantine")
    for i in range(8):
        await mail.send(f"noise-{i}", subject="Autre")
    await mail.send("match-new", subject="cantine")

    pages = await search_all(mail, STUDENT, "cantine", 10)

    assert [[c.message_id for c in p.items] for p in pages] == [["match-new"], ["match-old"]]


async def test_an_empty_search_is_refused(storage: Storage) -> None:
    mail = Mail(storage)

    with pytest.raises(Refused) as raised:
        await mail.queries.search(STUDENT, "   ", None, 10)

    assert (raised.value.field, raised.value.reason) == ("q", "missing")
