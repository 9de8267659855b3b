"""The locker's commands and queries on a real SQLite store and a filesystem blob store,
with the directory's decision faked: deposits, the quota, selections, who may read what,
and senders' names. No HTTP."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest
from ent_contracts import SYSTEM
from ent_contracts.directory import UserUpdated
from ent_contracts.directory_api import Recipient, RefusedRecipient, Verdict
from ent_contracts.locker import DocumentDeposited
from ent_kit.auth import Identity
from ent_kit.blobs import BlobStore, IncomingFile, open_blob_store
from ent_kit.errors import NotFound, Refused, TooLarge, Unprocessable
from ent_kit.projections import LocalProjector
from ent_kit.repository import Repository
from ent_kit.signal import AppendSignal
from ent_kit.storage import Page, Query, Storage
from ent_kit.zips import unique_names
from ent_locker.application.casier import Casier
from ent_locker.application.deposits import DepositForm, DepositReceipt, DepositService
from ent_locker.application.housekeeping import purge_expired_trash
from ent_locker.application.projections import (
    ENTRIES,
    TRASHED,
    LockerProjection,
    PeopleProjection,
)
from ent_locker.application.queries import CasierQueries, WorkspaceQueries
from ent_locker.application.quota import Quota
from ent_locker.application.receipts import ReceiptChecks, ReceiptSigner
from ent_locker.application.views import Authenticity
from ent_locker.application.workspace import UploadForm, WorkspaceService
from ent_locker.application.workspace_projection import WorkspaceProjection
from ent_locker.domain.model import Document
from ent_locker.domain.workspace import Workspace
from kit_fixtures import envelope, storage, user_registered

__all__ = ["storage"]

MAX_BYTES, QUOTA = 1000, 2500
STUDENT = Identity(user_id="student-1", profile="student")
TEACHER = Identity(user_id="teacher-1", profile="teacher")
STRANGER = Identity(user_id="student-2", profile="student")


class FakePolicy:
    """The directory's decision: everyone may be written to, but `refusing`."""

    def __init__(self) -> None:
        self.refusing: set[str] = set()
        self.asked: list[list[Recipient]] = []

    async def reachable(self, sender_id: str, recipients: list[Recipient]) -> Verdict:
        self.asked.append(recipients)
        ids = [r.user_id for r in recipients if r.user_id is not None]
        return Verdict(
            allowed=[i for i in ids if i not in self.refusing],
            refused=[
                RefusedRecipient(user_id=i, reason="not_allowed") for i in ids if i in self.refusing
            ],
        )


@dataclass
class StaleReader:
    """A read model that answers what it held earlier, whatever happened since."""

    page: Page

    async def find(self, collection: str, query: Query) -> Page:
        return self.page


@dataclass
class Upload:
    """A file as it arrives, counting the bytes anyone read from it."""

    content: bytes
    name: str = "devoir.pdf"
    read: int = field(default=0)

    def incoming(self) -> IncomingFile:
        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(self.content), 100):
                chunk = self.content[start : start + 100]
                self.read += len(chunk)
                yield chunk

        return IncomingFile(self.name, "application/pdf", chunks())


@dataclass
class Locker:
    storage: Storage
    blobs: BlobStore
    blob_root: Path
    policy: FakePolicy
    deposits: DepositService
    casier: Casier
    queries: CasierQueries
    receipts: ReceiptChecks
    workspace: WorkspaceService
    quota: Quota

    async def deposit(
        self, upload: Upload, recipients: list[str], sender: Identity = STUDENT, **form: str
    ) -> DepositReceipt:
        return await self.deposits.deposit(
            sender, DepositForm(recipients=recipients, file=upload.incoming(), **form)
        )

    def stored_files(self) -> set[Path]:
        return {p for p in self.blob_root.rglob("*") if p.is_file()}


@pytest.fixture
async def locker(storage: Storage, tmp_path: Path) -> AsyncIterator[Locker]:
    blobs = open_blob_store(f"file://{tmp_path}/blobs")
    signal = AppendSignal()
    projectors = [
        LocalProjector(storage, LockerProjection(), signal),
        LocalProjector(storage, WorkspaceProjection(), signal),
    ]
    running = [asyncio.create_task(p.run()) for p in projectors]
    documents = Repository(storage.events, Document, signal)
    queries = CasierQueries(storage.documents, blobs)
    policy = FakePolicy()
    signer = ReceiptSigner("s" * 40)
    quota = Quota(storage.documents, QUOTA, reservation_ttl_s=3600)
    yield Locker(
        storage=storage,
        blobs=blobs,
        blob_root=tmp_path / "blobs",
        policy=policy,
        deposits=DepositService(documents, policy, blobs, projectors[0], signer, quota, MAX_BYTES),
        casier=Casier(documents, projectors[0]),
        queries=queries,
        receipts=ReceiptChecks(signer, storage.documents),
        workspace=WorkspaceService(
            Repository(storage.events, Workspace, signal),
            projectors[1],
            blobs,
            WorkspaceQueries(storage.documents, blobs),
            queries,
            quota,
            MAX_BYTES,
        ),
        quota=quota,
    )
    for projector in projectors:
        await projector.stop()
    await asyncio.gather(*running)
    await blobs.close()


async def content_of(locker: Locker, me: Identity, document_id: str) -> bytes:
    download = await locker.queries.download(me, document_id)
    return b"".join([chunk async for chunk in download.chunks()])


# --- deposits -----------------------------------------------------------------------------


async def test_a_deposit_is_stored_signed_and_listed_when_it_answers(locker: Locker) -> None:
    receipt = await locker.deposit(Upload(b"%PDF " * 20), [TEACHER.user_id])

    assert receipt.recipient_ids == [TEACHER.user_id]
    assert (receipt.size, receipt.media_type, receipt.refused) == (100, "application/pdf", [])
    assert await locker.receipts.verify(receipt) == Authenticity(genuine=True, matches_stored=True)
    # Read-your-writes: both folders show it without waiting.
    history = await locker.queries.history(STUDENT, None, 50)
    received = await locker.queries.received(TEACHER, None, 50)
    assert [e.document_id for e in history.items] == [receipt.document_id]
    assert history.items[0].recipient_ids == [TEACHER.user_id]
    assert [e.document_id for e in received.items] == [receipt.document_id]
    assert await content_of(locker, TEACHER, receipt.document_id) == b"%PDF " * 20


async def test_a_signature_with_non_ascii_characters_is_not_genuine(locker: Locker) -> None:
    """Once a TypeError in compare_digest, answered 500."""
    receipt = await locker.deposit(Upload(b"%PDF "), [TEACHER.user_id])
    forged = msgspec.structs.replace(receipt, signature="é" + receipt.signature[1:])

    assert (await locker.receipts.verify(forged)).genuine is False


async def test_fields_are_checked_before_a_byte_is_stored(locker: Locker) -> None:
    earlier = await locker.deposit(Upload(b"v1"), [STRANGER.user_id], sender=TEACHER)
    before = locker.stored_files()
    teacher = TEACHER.user_id
    # recipients, file name, previous version: the field named
    cases: list[tuple[list[str], str, str | None, str]] = [
        ([], "a.pdf", None, "recipients"),
        (["group:6a:nobody"], "a.pdf", None, "recipients"),
        ([STUDENT.user_id], "a.pdf", None, "recipients"),  # oneself
        ([teacher], "../a.pdf", None, "file"),
        ([teacher], "a.pdf", earlier.document_id, "previous_version_id"),  # not mine
        ([teacher], "a.pdf", "no-such-document", "previous_version_id"),
    ]
    for recipients, name, previous, field_name in cases:
        upload = Upload(b"content", name=name)
        form = DepositForm(
            recipients=recipients, previous_version_id=previous, file=upload.incoming()
        )
        with pytest.raises(Refused) as refused:
            await locker.deposits.deposit(STUDENT, form)
        assert refused.value.field == field_name, (recipients, name, previous)
        assert upload.read == 0
    assert len(locker.policy.asked) == 1  # only the first, valid, deposit asked the directory
    assert locker.stored_files() == before


async def test_nobody_allowed_is_unprocessable_and_names_the_refused(locker: Locker) -> None:
    locker.policy.refusing = {"parent-1"}
    upload = Upload(b"content")
    with pytest.raises(Unprocessable) as refused:
        await locker.deposit(upload, ["parent-1"])
    assert (refused.value.field, refused.value.reason) == ("recipients", "no_allowed_recipients")
    assert refused.value.details == {
        "refused": [RefusedRecipient(user_id="parent-1", reason="not_allowed")]
    }
    assert upload.read == 0
    partly = await locker.deposit(Upload(b"content"), ["parent-1", TEACHER.user_id])
    assert partly.recipient_ids == [TEACHER.user_id]
    assert partly.refused == [RefusedRecipient(user_id="parent-1", reason="not_allowed")]


async def test_a_new_version_links_to_my_earlier_deposit(locker: Locker) -> None:
    first = await locker.deposit(Upload(b"v1"), [TEACHER.user_id])
    second = await locker.deposit(
        Upload(b"v2"), [TEACHER.user_id], previous_version_id=first.document_id
    )
    assert second.previous_version_id == first.document_id
    assert second.document_id != first.document_id


# --- the quota ----------------------------------------------------------------------------


async def test_room_left_is_what_is_left_of_the_quota(locker: Locker) -> None:
    async def room(user_id: str) -> int:
        return (await locker.quota.usage(user_id)).room

    assert await room(STUDENT.user_id) == QUOTA
    first = await locker.deposit(Upload(b"a" * 900), [TEACHER.user_id])
    assert await room(STUDENT.user_id) == QUOTA - 900
    await locker.deposit(Upload(b"b" * 900), [TEACHER.user_id])
    await locker.deposit(Upload(b"c" * 700), [TEACHER.user_id])
    assert await room(STUDENT.user_id) == 0
    assert await room(TEACHER.user_id) == QUOTA  # receiving costs nothing
    # Purged from every locker, a deposit gives its bytes back.
    for owner in (STUDENT, TEACHER):
        await locker.casier.trash(owner, [first.document_id])
        assert await room(STUDENT.user_id) == 0  # the trash still counts
        await locker.casier.purge(owner, [first.document_id])
    assert await room(STUDENT.user_id) == 900


async def test_a_deposit_beyond_the_quota_is_refused_whole(locker: Locker) -> None:
    await locker.deposit(Upload(b"a" * 900), [TEACHER.user_id])
    await locker.deposit(Upload(b"b" * 900), [TEACHER.user_id])
    files, position = locker.stored_files(), await locker.storage.events.last_position()
    with pytest.raises(TooLarge) as refused:
        await locker.deposit(Upload(b"c" * 701), [TEACHER.user_id])
    assert (refused.value.reason, refused.value.details) == (
        "quota_exceeded",
        {"quota_bytes": QUOTA, "used_bytes": 1800, "reserved_bytes": 0},
    )
    assert locker.stored_files() == files  # nothing kept, not even a temporary file
    assert await locker.storage.events.last_position() == position
    assert (await locker.deposit(Upload(b"c" * 700), [TEACHER.user_id])).size == 700


async def test_a_deposit_beyond_the_size_limit_is_too_large(locker: Locker) -> None:
    with pytest.raises(TooLarge) as refused:
        await locker.deposit(Upload(b"x" * (MAX_BYTES + 1)), [TEACHER.user_id])
    assert refused.value.reason == "document_too_large"
    assert refused.value.details == {"max_bytes": MAX_BYTES}
    assert locker.stored_files() == set()


# --- selections and who may read what -----------------------------------------------------


async def test_selection_actions_report_each_document(locker: Locker) -> None:
    doc = (await locker.deposit(Upload(b"x"), [TEACHER.user_id])).document_id
    trashed = await locker.casier.trash(TEACHER, [doc, "unknown", doc])
    assert (trashed.done, trashed.unchanged, trashed.not_found) == ([doc], [], ["unknown"])
    assert trashed.refused == []
    assert (await locker.casier.trash(TEACHER, [doc])).unchanged == [doc]
    assert [e.document_id for e in (await locker.queries.trash(TEACHER, None, 50)).items] == [doc]
    assert (await locker.queries.received(TEACHER, None, 50)).items == []
    assert (await locker.queries.history(STUDENT, None, 50)).items != []  # only my copy moved
    # Someone else's copy answers like an unknown id.
    assert (await locker.casier.restore(STRANGER, [doc])).not_found == [doc]
    refused = await locker.casier.purge(STUDENT, [doc])  # not in the student's trash
    assert (refused.done, refused.refused) == ([], [doc])
    assert [e.document_id for e in (await locker.queries.history(STUDENT, None, 50)).items] == [doc]
    assert (await locker.casier.purge_expired(TEACHER.user_id, [doc])).done == [doc]
    events = await locker.storage.events.read_stream(doc)
    assert events[-1].actor == SYSTEM
    assert (await locker.casier.restore(TEACHER, [doc])).not_found == [doc]


async def test_a_mixed_selection_is_applied_to_each_document_it_may_be(locker: Locker) -> None:
    docs = [(await locker.deposit(Upload(b"x"), [TEACHER.user_id])).document_id for _ in "abc"]
    first, active, last = docs
    await locker.casier.trash(TEACHER, [first, last])
    purged = await locker.casier.purge(TEACHER, [first, active, "unknown", last])
    # Not in the trash: refused, and the rest of the selection still deleted.
    assert (purged.done, purged.unchanged, purged.not_found, purged.refused) == (
        [first, last],
        [],
        ["unknown"],
        [active],
    )
    # Read-your-writes for what was deleted: the folders show it when it answers.
    assert (await locker.queries.trash(TEACHER, None, 50)).items == []
    received = await locker.queries.received(TEACHER, None, 50)
    assert [e.document_id for e in received.items] == [active]
    events = await locker.storage.events.read_stream(active)
    assert [e.type for e in events] == [DocumentDeposited.event_type]


async def test_trash_retention_goes_on_past_a_document_restored_meanwhile(locker: Locker) -> None:
    restored, expired = [
        (await locker.deposit(Upload(b"x"), [TEACHER.user_id])).document_id for _ in "ab"
    ]
    await locker.casier.trash(TEACHER, [restored, expired])
    trashed = Query(where={"owner_id": TEACHER.user_id, "state": TRASHED})
    entries = (await locker.storage.documents.find(ENTRIES, trashed)).items
    # The run read the trash just before the owner restored one of its documents.
    stale = StaleReader(Page(sorted(entries, key=lambda e: e["document_id"] != restored), None))
    await locker.casier.restore(TEACHER, [restored])

    assert await purge_expired_trash(stale, locker.casier, timedelta(0)) == 1
    received = await locker.queries.received(TEACHER, None, 50)
    assert [e.document_id for e in received.items] == [restored]
    assert (await locker.queries.trash(TEACHER, None, 50)).items == []


async def test_one_rule_says_who_may_read_a_document(locker: Locker) -> None:
    doc = (await locker.deposit(Upload(b"secret"), [TEACHER.user_id])).document_id
    assert await content_of(locker, STUDENT, doc) == b"secret"  # the sender keeps access
    await locker.casier.trash(TEACHER, [doc])
    assert await content_of(locker, TEACHER, doc) == b"secret"  # the trash is still mine
    for me, document_id in [(STRANGER, doc), (TEACHER, "unknown")]:
        with pytest.raises(NotFound) as missing:
            await locker.queries.download(me, document_id)
        assert missing.value.reason == "document_not_found"
    with pytest.raises(NotFound) as missing:
        await locker.queries.zipped(STRANGER, [doc, "unknown"])
    assert missing.value.details == {"document_ids": [doc, "unknown"]}
    with pytest.raises(NotFound) as missing:  # copying to Mes documents: the same rule
        await locker.workspace.copy_from_locker(STRANGER, [doc], None)
    assert missing.value.field == "document_ids"
    await locker.casier.purge(TEACHER, [doc])
    for act in (
        locker.queries.download(TEACHER, doc),
        locker.queries.zipped(TEACHER, [doc]),
        locker.workspace.copy_from_locker(TEACHER, [doc], None),
    ):
        with pytest.raises(NotFound):
            await act
    copied = await locker.workspace.copy_from_locker(STUDENT, [doc], None)
    assert [(i.source, i.source_document_id) for i in copied.items] == [("locker", doc)]


async def test_names_in_a_zip_never_collide_whatever_the_order(locker: Locker) -> None:
    """A generated name ("a (2).pdf") may be a file's own name too, and unzip on Windows or
    macOS sees `A.pdf` and `a.pdf` as one file: every name in the zip is distinct."""
    names = ["a.pdf", "a (2).pdf", "a.pdf", "A.PDF", "notes", "Notes", ".cfg", ".cfg"]
    ids = [
        (await locker.deposit(Upload(b"x", name=name), [TEACHER.user_id])).document_id
        for name in names
    ]
    chunks = await locker.queries.zipped(TEACHER, ids)
    archive = zipfile.ZipFile(io.BytesIO(b"".join([chunk async for chunk in chunks])))

    members = archive.namelist()
    assert sorted(members) == sorted(
        ["a.pdf", "a (2).pdf", "a (3).pdf", "A (4).PDF", "notes", "Notes (2)", ".cfg", ".cfg (2)"]
    )
    assert len({m.casefold() for m in members}) == len(names)


@pytest.mark.parametrize(
    ("names", "unique"),
    [
        (["a.pdf", "a (2).pdf", "a.pdf"], ["a.pdf", "a (2).pdf", "a (3).pdf"]),
        (["a.pdf", "a.pdf", "a (2).pdf"], ["a.pdf", "a (2).pdf", "a (2) (2).pdf"]),
        (["a.pdf", "A.pdf", "a.PDF"], ["a.pdf", "A (2).pdf", "a (3).PDF"]),
        (["x.tar.gz", "x.tar.gz"], ["x.tar.gz", "x.tar (2).gz"]),
    ],
)
def test_unique_names_tracks_every_name_already_used(names: list[str], unique: list[str]) -> None:
    assert unique_names(names) == unique


async def test_an_upload_to_mes_documents_checks_the_folder_before_storing(locker: Locker) -> None:
    upload = Upload(b"notes")
    with pytest.raises(NotFound) as missing:
        await locker.workspace.upload(TEACHER, UploadForm(folder_id="nope", file=upload.incoming()))
    assert (missing.value.field, missing.value.reason) == ("folder_id", "folder_not_found")
    assert upload.read == 0
    folder = await locker.workspace.create_folder(TEACHER, "Cours", None)
    item = await locker.workspace.upload(
        TEACHER, UploadForm(folder_id=folder.folder_id, file=Upload(b"notes").incoming())
    )
    assert (item.folder_id, item.size, item.source) == (folder.folder_id, 5, "upload")


# --- senders' names -----------------------------------------------------------------------


async def test_a_renamed_sender_shows_the_new_name(locker: Locker) -> None:
    people = PeopleProjection()
    registered = user_registered(STUDENT.user_id, first_name="Lucas", last_name="Martin")
    renamed = UserUpdated(user_id=STUDENT.user_id, first_name="Lucas", last_name="Bernard")
    async with locker.storage.documents.transaction() as tx:
        await people.apply(tx, envelope(registered, STUDENT.user_id, 1), registered)
    doc = (await locker.deposit(Upload(b"x"), [TEACHER.user_id])).document_id
    first = await locker.queries.received(TEACHER, None, 50)
    assert [(e.document_id, e.sender_name) for e in first.items] == [(doc, "Lucas Martin")]

    async with locker.storage.documents.transaction() as tx:
        await people.apply(tx, envelope(renamed, STUDENT.user_id, 2), renamed)

    page = await locker.queries.received(TEACHER, None, 50)
    assert [e.sender_name for e in page.items] == ["Lucas Bernard"]
    person = await locker.storage.documents.get("people", STUDENT.user_id)
    assert person is not None
    assert (person["profile"], person["school_id"]) == ("student", "school-1")  # kept
