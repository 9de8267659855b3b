"""One quota for what a user occupies, on a real SQLite store and blob store: a deposit
counts while any copy of it is kept, Mes documents counts too, and parallel uploads cannot
each take the whole room (it is reserved, in the store, before the first byte)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from ent_contracts.locker import DocumentDeposited, DocumentPurged
from ent_kit.auth import Identity
from ent_kit.blobs import IncomingFile
from ent_kit.errors import TooLarge
from ent_kit.storage import Storage
from ent_locker.application.deposits import DepositForm, DepositReceipt
from ent_locker.application.projections import DOCUMENTS, USAGE, LockerProjection
from ent_locker.application.quota import Quota
from ent_locker.application.views import ItemView
from ent_locker.application.workspace import UploadForm
from kit_fixtures import envelope, storage
from test_locker_application import MAX_BYTES, QUOTA, STUDENT, TEACHER, Locker, Upload, locker

__all__ = ["locker", "storage"]

PARENT = Identity(user_id="parent-1", profile="parent")


@dataclass
class SlowUpload:
    """A file arriving in small chunks, letting other requests run between two of them."""

    content: bytes
    name: str = "devoir.pdf"

    def incoming(self) -> IncomingFile:
        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(self.content), 50):
                await asyncio.sleep(0)
                yield self.content[start : start + 50]

        return IncomingFile(self.name, "application/pdf", chunks())


async def used(locker: Locker, me: Identity = STUDENT) -> int:
    return (await locker.quota.usage(me.user_id)).used_bytes


async def upload(locker: Locker, content: bytes, me: Identity = STUDENT) -> ItemView:
    return await locker.workspace.upload(me, UploadForm(file=Upload(content).incoming()))


async def deposit_slowly(locker: Locker, content: bytes, recipients: list[str]) -> DepositReceipt:
    form = DepositForm(recipients=recipients, file=SlowUpload(content).incoming())
    return await locker.deposits.deposit(STUDENT, form)


# --- a deposit counts while any copy is kept ----------------------------------------------


async def test_purging_my_historique_entry_gives_nothing_back_while_a_recipient_keeps_it(
    locker: Locker,
) -> None:
    doc = (await locker.deposit(Upload(b"a" * 900), [TEACHER.user_id, PARENT.user_id])).document_id
    await locker.casier.trash(STUDENT, [doc])
    await locker.casier.purge(STUDENT, [doc])
    assert await used(locker) == 900  # the teacher and the parent still hold it

    await locker.casier.trash(TEACHER, [doc])
    await locker.casier.purge(TEACHER, [doc])
    assert await used(locker) == 900  # the parent still holds it
    assert await used(locker, TEACHER) == 0  # receiving never cost anything

    await locker.casier.trash(PARENT, [doc])
    await locker.casier.purge(PARENT, [doc])
    assert await used(locker) == 0  # the last copy is gone


async def test_the_quota_is_not_given_back_by_purging_my_own_entry(locker: Locker) -> None:
    """The bypass: deposit, purge one's own entry, deposit again, while recipients keep
    every copy. Refused once the copies kept reach the quota."""
    for _ in range(2):
        receipt = await locker.deposit(Upload(b"a" * 1000), [TEACHER.user_id])
        await locker.casier.trash(STUDENT, [receipt.document_id])
        await locker.casier.purge(STUDENT, [receipt.document_id])
    with pytest.raises(TooLarge) as refused:
        await locker.deposit(Upload(b"b" * 501), [TEACHER.user_id])
    assert (refused.value.field, refused.value.reason) == ("file", "quota_exceeded")
    assert refused.value.details == {"quota_bytes": QUOTA, "used_bytes": 2000, "reserved_bytes": 0}


async def test_a_new_version_is_a_new_file_and_counts_again(locker: Locker) -> None:
    first = await locker.deposit(Upload(b"a" * 600), [TEACHER.user_id])
    await locker.deposit(
        Upload(b"b" * 700), [TEACHER.user_id], previous_version_id=first.document_id
    )
    assert await used(locker) == 1300


# --- Mes documents counts too -------------------------------------------------------------


async def test_mes_documents_and_deposits_share_one_quota(locker: Locker) -> None:
    await locker.deposit(Upload(b"a" * 1000), [TEACHER.user_id])
    item = await upload(locker, b"b" * 1000)
    assert await used(locker) == 2000
    files, position = locker.stored_files(), await locker.storage.events.last_position()

    with pytest.raises(TooLarge) as refused:
        await upload(locker, b"c" * 501)
    assert (refused.value.field, refused.value.reason) == ("file", "quota_exceeded")
    assert locker.stored_files() == files  # nothing kept
    assert await locker.storage.events.last_position() == position

    # A trashed document of Mes documents still occupies its blob: it counts until purged.
    await locker.workspace.trash_item(STUDENT, item.item_id)
    assert await used(locker) == 2000
    await locker.workspace.restore_item(STUDENT, item.item_id)
    assert await used(locker) == 2000  # counted once, whatever the trips to the trash
    await locker.workspace.trash_item(STUDENT, item.item_id)
    result = await locker.workspace.delete_for_good(STUDENT, [item.item_id], [])
    assert result.done == [item.item_id]
    assert await used(locker) == 1000
    assert (await upload(locker, b"c" * 1000)).size == 1000


async def test_a_copy_into_mes_documents_counts_for_whoever_copies_it(locker: Locker) -> None:
    doc = (await locker.deposit(Upload(b"a" * 900), [TEACHER.user_id])).document_id
    await upload(locker, b"b" * 700, me=TEACHER)
    await upload(locker, b"c" * 800, me=TEACHER)
    await locker.workspace.copy_from_locker(TEACHER, [doc], None)
    assert await used(locker, TEACHER) == 2400
    assert await used(locker) == 900  # the sender's deposit, counted once for them

    with pytest.raises(TooLarge) as refused:
        await locker.workspace.copy_from_locker(TEACHER, [doc], None)
    assert (refused.value.field, refused.value.reason) == ("document_ids", "quota_exceeded")
    assert await used(locker, TEACHER) == 2400


# --- parallel uploads ---------------------------------------------------------------------


async def test_parallel_deposits_cannot_each_take_the_whole_room(locker: Locker) -> None:
    """Five deposits of 800 bytes at once, 2,500 of room: before the room was reserved,
    every one read the same usage and all five were stored (4,000 bytes)."""
    results = await asyncio.gather(
        *(deposit_slowly(locker, bytes([65 + i]) * 800, [TEACHER.user_id]) for i in range(5)),
        return_exceptions=True,
    )
    stored = [r for r in results if isinstance(r, DepositReceipt)]
    refused = [r for r in results if isinstance(r, TooLarge)]
    assert len(stored) + len(refused) == 5, results
    assert stored
    assert refused
    assert {r.reason for r in refused} == {"quota_exceeded"}
    assert await used(locker) == sum(r.size for r in stored) <= QUOTA
    usage = await locker.quota.usage(STUDENT.user_id)
    assert usage.reserved_bytes == 0  # every reservation released, refused ones included


async def test_parallel_uploads_to_mes_documents_stay_within_the_quota(locker: Locker) -> None:
    async def one(i: int) -> ItemView:
        form = UploadForm(file=SlowUpload(bytes([65 + i]) * 700).incoming())
        return await locker.workspace.upload(STUDENT, form)

    results = await asyncio.gather(*(one(i) for i in range(6)), return_exceptions=True)
    stored = [r for r in results if isinstance(r, ItemView)]
    assert stored
    assert any(isinstance(r, TooLarge) for r in results), results
    assert all(isinstance(r, ItemView | TooLarge) for r in results), results
    assert await used(locker) == sum(r.size for r in stored) <= QUOTA


# --- reservations -------------------------------------------------------------------------


async def test_an_upload_declaring_its_length_reserves_no_more_than_that(locker: Locker) -> None:
    """With Content-Length, a parallel upload keeps the rest of the room."""
    blocker = await locker.quota.reserve(STUDENT.user_id, 2000, field="file")
    form = UploadForm(file=Upload(b"a" * 400).incoming(), size_hint=450)
    assert (await locker.workspace.upload(STUDENT, form)).size == 400
    with pytest.raises(TooLarge) as refused:
        await upload(locker, b"b" * 101)  # 100 left beside the 2,000 held
    held = {"quota_bytes": QUOTA, "used_bytes": 400, "reserved_bytes": 2000}
    assert refused.value.details == held
    await locker.quota.release(blocker)
    assert (await locker.quota.usage(STUDENT.user_id)).room == QUOTA - 400


async def test_a_reservation_left_by_a_dead_upload_expires(locker: Locker) -> None:
    now = [1000.0]
    quota = Quota(locker.storage.documents, QUOTA, reservation_ttl_s=60, clock=lambda: now[0])
    await quota.reserve(STUDENT.user_id, MAX_BYTES, field="file")  # never released
    await quota.reserve(STUDENT.user_id, MAX_BYTES, field="file")
    assert (await quota.usage(STUDENT.user_id)).room == QUOTA - 2 * MAX_BYTES
    now[0] += 61
    assert (await quota.usage(STUDENT.user_id)).reserved_bytes == 0
    granted = await quota.reserve(STUDENT.user_id, MAX_BYTES, field="file")
    assert (granted.bytes, granted.short) == (MAX_BYTES, False)


async def test_a_deposit_recorded_under_the_earlier_rule_is_never_given_back_twice(
    storage: Storage,
) -> None:
    """Read models written before this rule gave a deposit back when its sender purged it:
    such a deposit keeps that rule (its recipients' purges give nothing back again)."""
    projection, doc = LockerProjection(), "doc-1"
    deposited = DocumentDeposited(
        document_id=doc,
        sender_id=STUDENT.user_id,
        recipient_ids=[TEACHER.user_id],
        file_name="devoir.pdf",
        media_type="application/pdf",
        size=900,
        sha256="ab" * 32,
        blob_key=f"sha256/ab/{'ab' * 32}",
        deposited_at=datetime.now(UTC),
    )
    async with storage.documents.transaction() as tx:
        await projection.apply(tx, envelope(deposited, doc, 1), deposited)
        row = await tx.get(DOCUMENTS, doc)
        assert row is not None
        del row["until_last_copy"]  # as the earlier rule wrote it
        await tx.put(DOCUMENTS, doc, row)
        await tx.put(USAGE, STUDENT.user_id, {"bytes": 900 + 1000})  # and another deposit
    for version, owner in enumerate((STUDENT, TEACHER), start=2):
        purged = DocumentPurged(document_id=doc, owner_id=owner.user_id, reason="deleted")
        async with storage.documents.transaction() as tx:
            await projection.apply(tx, envelope(purged, doc, version), purged)
        given_back = await storage.documents.get(USAGE, STUDENT.user_id)
        assert given_back is not None
        assert given_back["bytes"] == 1000  # once, at the sender's purge
